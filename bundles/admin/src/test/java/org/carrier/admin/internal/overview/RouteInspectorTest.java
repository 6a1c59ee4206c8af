package org.carrier.admin.internal.overview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
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
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.carrier.api.tls.TlsPolicyReport;
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

    /** Issue 16: the report shows the TLS policy each next hop of an SMTP delivery gets, as the delivery explains it. */
    @Test
    void smtpMailShowsTheTlsPolicyInForceAndWhy() {
        Instant fetched = Instant.now().minus(Duration.ofMinutes(90));
        MtaStsPolicy policy = new MtaStsPolicy("example.com", "20261207", MtaStsMode.ENFORCE, List.of("mx1.example.com"),
                Duration.ofDays(7), fetched);
        List<String> asked = new java.util.ArrayList<>();
        OutboundTlsPolicies explained = (domain, decision) -> {
            asked.add(domain + " " + decision.nextHops());
            return CompletableFuture.completedFuture(new TlsPolicyReport(domain, TlsPolicy.DANE, policy, List.of(
                    new TlsPolicyReport.HostTlsPolicy("mx1.example.com", TlsPolicyReport.Enforcement.MTA_STS_ENFORCE, List.of(),
                            "no secure TLSA; the MTA-STS policy names it"))));
        };
        RouteReport report = new RouteInspector(ROUTER, mxAnswers(CompletableFuture.completedFuture(List.of(new MxRecord(10, "mx1.example.com")))),
                name -> Optional.ofNullable(TRANSPORTS.get(name)), Duration.ofSeconds(2), explained)
                .inspect(MailAddress.parse("bob@example.com"));
        assertEquals(List.of("example.com [mx1.example.com:25]"), asked);
        List<String> lines = report.tlsLines(Instant.now());
        assertEquals("tls = dane for example.com", lines.get(0));
        assertTrue(lines.get(1).startsWith("MTA-STS policy 20261207: mode enforce, mx [mx1.example.com], fetched 90 min ago"), lines.get(1));
        assertEquals("mx1.example.com: mta-sts-enforce no secure TLSA; the MTA-STS policy names it", lines.get(2));
        assertNull(report.tlsProblem());
    }

    @Test
    void withoutTheSmtpDeliveryTheTlsPolicyIsNotKnownAndLocalMailHasNone() {
        RouteReport relayed = inspector(resolver(null, host -> CompletableFuture.completedFuture(List.of(address("192.0.2.7")))))
                .inspect(MailAddress.parse("a@relayed.example"));
        assertEquals(List.of("not known: the SMTP delivery (bundle org.carrier.delivery.smtp) is not running"),
                relayed.tlsLines(Instant.now()));
        OutboundTlsPolicies mustNotBeAsked = (domain, decision) -> {
            throw new AssertionError("asked for " + domain);
        };
        RouteReport local = new RouteInspector(ROUTER, null, name -> Optional.empty(), Duration.ofSeconds(1), mustNotBeAsked)
                .inspect(MailAddress.parse("alice@localhost"));
        assertEquals(List.of(), local.tlsLines(Instant.now()));
    }

    @Test
    void anUnansweredTlsPolicyIsReportedAfterTheWait() {
        RouteReport report = new RouteInspector(ROUTER, resolver(null, host -> CompletableFuture.completedFuture(List.of(address("192.0.2.7")))),
                name -> Optional.ofNullable(TRANSPORTS.get(name)), Duration.ofMillis(50), (domain, decision) -> new CompletableFuture<>())
                .inspect(MailAddress.parse("a@relayed.example"));
        assertEquals(List.of("not known: no answer within 0 s"), report.tlsLines(Instant.now()));
    }
}
