package org.carrier.admin.internal.overview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.carrier.testing.FakeDnsResolver;
import org.junit.jupiter.api.Test;

class RouteInspectorTest {
    private static final Map<String, String> TRANSPORTS = Map.of("internet", "mx", "relay", "smtp");

    /** A router with fixed answers by domain: the inspector's job is to combine them, not to route. */
    private static final Router ROUTER = recipient -> switch (recipient.domain()) {
        case "localhost" -> RouteDecision.local("local", "local");
        case "relayed.example" -> RouteDecision.remote("relay", "smtp", List.of(new NextHop("smarthost.example", 587)));
        case "nowhere.example" -> RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "no route"));
        default -> RouteDecision.remote("internet", "smtp", List.of(
                new NextHop("mx1." + recipient.domain(), 25, List.of(address("192.0.2.1")))));
    };

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static RouteInspector inspector(DnsResolver dns) {
        return new RouteInspector(ROUTER, dns, name -> Optional.ofNullable(TRANSPORTS.get(name)), Duration.ofSeconds(2));
    }

    private static DnsResolver mxAnswers(CompletionStage<List<MxRecord>> answer) {
        return new FakeDnsResolver().mx(domain -> answer);
    }

    private static DnsResolver resolver(CompletionStage<List<MxRecord>> answer,
                                        java.util.function.Function<String, CompletionStage<List<InetAddress>>> addresses) {
        return new FakeDnsResolver().mx(domain -> answer).addresses(addresses);
    }

    @Test
    void anMxRouteShowsTheMxRecordsByPreferenceAndTheResolvedHops() {
        RouteReport report = inspector(mxAnswers(CompletableFuture.completedFuture(List.of(
                new MxRecord(20, "mx2.example.com"), new MxRecord(10, "mx1.example.com")))))
                .inspect(MailAddress.parse("bob@example.com"));

        assertTrue(report.isMxRoute());
        assertEquals("internet", report.decision().routeName());
        assertEquals(List.of(new MxRecord(10, "mx1.example.com"), new MxRecord(20, "mx2.example.com")), report.mxRecords());
        assertEquals(List.of(address("192.0.2.1")), report.decision().nextHops().get(0).addresses());
        assertNull(report.mxProblem());
    }

    @Test
    void aFailedMxLookupIsReportedNotThrown() {
        RouteReport report = inspector(mxAnswers(CompletableFuture.failedFuture(new DnsLookupException(DnsLookupException.Kind.TEMPORARY, "SERVFAIL for example.com"))))
                .inspect(MailAddress.parse("bob@example.com"));
        assertTrue(report.isMxRoute());
        assertEquals(List.of(), report.mxRecords());
        assertTrue(report.mxProblem().contains("SERVFAIL"), report.mxProblem());
    }

    @Test
    void noMxRecordsMeansTheDomainItself() {
        RouteReport report = inspector(mxAnswers(CompletableFuture.failedFuture(
                new DnsLookupException(DnsLookupException.Kind.NO_DATA, "no MX for example.com"))))
                .inspect(MailAddress.parse("bob@example.com"));
        assertEquals(RouteInspector.NO_MX, report.mxProblem());
    }

    @Test
    void anUnansweredMxLookupIsReportedAfterTheWait() {
        RouteReport report = new RouteInspector(ROUTER, mxAnswers(new CompletableFuture<>()),
                name -> Optional.ofNullable(TRANSPORTS.get(name)), Duration.ofMillis(50))
                .inspect(MailAddress.parse("bob@example.com"));
        assertTrue(report.mxProblem().startsWith("no DNS answer"), report.mxProblem());
    }

    /** Issue 22 item 6: a named next hop shows the addresses delivery will use, from the same resolver. */
    @Test
    void aRelayRouteShowsItsNextHopsAddressesFromTheResolver() {
        DnsResolver dns = resolver(null, host -> host.equals("smarthost.example")
                ? CompletableFuture.completedFuture(List.of(address("192.0.2.7")))
                : CompletableFuture.failedFuture(new DnsLookupException(DnsLookupException.Kind.NAME_NOT_FOUND, host + ": NXDOMAIN")));
        RouteReport relayed = inspector(dns).inspect(MailAddress.parse("a@relayed.example"));
        assertFalse(relayed.isMxRoute());
        assertEquals("smtp", relayed.routeTransport());
        assertEquals("smarthost.example:587", relayed.decision().nextHops().get(0).toString());
        assertEquals(List.of(address("192.0.2.7")), relayed.decision().nextHops().get(0).addresses());
        assertEquals(Map.of(), relayed.hopProblems());
    }

    @Test
    void aNextHopWithoutAddressSaysWhy() {
        DnsResolver dns = resolver(null, host -> CompletableFuture.failedFuture(
                new DnsLookupException(DnsLookupException.Kind.NAME_NOT_FOUND, host + ": NXDOMAIN")));
        RouteReport relayed = inspector(dns).inspect(MailAddress.parse("a@relayed.example"));
        assertEquals("smarthost.example: NXDOMAIN", relayed.hopProblems().get(relayed.decision().nextHops().get(0)));
    }

    @Test
    void localAndRefusedAddressesDoNotAskDns() {
        DnsResolver mustNotBeAsked = mxAnswers(null);
        RouteReport local = inspector(mustNotBeAsked).inspect(MailAddress.parse("alice@localhost"));
        assertNull(local.routeTransport());
        assertEquals(List.of(), local.mxRecords());

        RouteReport refused = inspector(mustNotBeAsked).inspect(MailAddress.parse("a@nowhere.example"));
        assertEquals(550, refused.decision().refusal().code());
    }

    @Test
    void withoutAResolverTheReportSaysSo() {
        RouteReport report = inspector(null).inspect(MailAddress.parse("bob@example.com"));
        assertEquals("no DNS resolver running", report.mxProblem());
    }
}
