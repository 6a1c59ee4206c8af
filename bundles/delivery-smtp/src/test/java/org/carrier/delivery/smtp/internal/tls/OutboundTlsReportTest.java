package org.carrier.delivery.smtp.internal.tls;

import static org.carrier.testing.FakeDnsResolver.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsPolicyReport;
import org.carrier.api.tls.TlsPolicyReport.Enforcement;
import org.carrier.testing.FakeDnsResolver;
import org.junit.jupiter.api.Test;

/** The route report's TLS lines: the delivery's own decision, per host, with its reason. */
class OutboundTlsReportTest {
    private static final TlsaRecord EE = new TlsaRecord(3, 1, 1, new byte[32]);

    @Test
    void eachHostShowsThePolicyInForceAndWhy() throws Exception {
        FakeDnsResolver dns = new FakeDnsResolver()
                .mxAnswer(d -> answer(List.of(new MxRecord(10, "mx1." + d), new MxRecord(20, "mx2." + d), new MxRecord(30, "mx3." + d)),
                        d.equals("secure.test") ? DnssecStatus.SECURE : DnssecStatus.INSECURE))
                .addressesAnswer(h -> answer(List.of(InetAddress.getLoopbackAddress()), DnssecStatus.SECURE))
                .tlsa(n -> n.startsWith("_25._tcp.mx1.") ? answer(List.of(EE), DnssecStatus.SECURE)
                        : n.startsWith("_25._tcp.mx2.") ? answer(List.of(), DnssecStatus.SECURE)
                        : FakeDnsResolver.failure(DnsLookupException.Kind.TEMPORARY, "DNSSEC bogus: bad signature"));
        OutboundTlsReport service = new OutboundTlsReport();
        service.bindResolver(dns);
        service.start();
        try {
            TlsPolicyReport report = service.explain("Secure.test", route("secure.test", TlsPolicy.DANE))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(Enforcement.DANE, Enforcement.MAY, Enforcement.SKIPPED),
                    report.hosts().stream().map(TlsPolicyReport.HostTlsPolicy::enforcement).toList());
            List<String> lines = report.lines(Instant.now());
            assertEquals("tls = dane for secure.test", lines.get(0));
            assertEquals("mx1.secure.test: dane (3 1 1 " + "00".repeat(32) + ") secure TLSA at _25._tcp.mx1.secure.test", lines.get(1));
            assertTrue(lines.get(2).startsWith("mx2.secure.test: may no TLSA records at _25._tcp.mx2.secure.test"), lines.get(2));
            assertTrue(lines.get(3).startsWith("mx3.secure.test: skipped DNSSEC bogus"), lines.get(3));
        } finally {
            service.stop();
        }
    }

    @Test
    void withoutDaneTheMtaStsPolicyAndItsAgeAreShown() throws Exception {
        FakeDnsResolver dns = new FakeDnsResolver().mxAnswer(d -> answer(List.of(), DnssecStatus.INSECURE));
        MtaStsPolicy policy = new MtaStsPolicy("plain.test", "abc", MtaStsMode.ENFORCE, List.of("mx1.plain.test"),
                Duration.ofDays(1), Instant.now().minus(Duration.ofMinutes(90)));
        OutboundTlsReport service = new OutboundTlsReport();
        service.bindResolver(dns);
        service.bindMtaSts(new MtaStsPolicies() {
            @Override
            public CompletionStage<Optional<MtaStsPolicy>> policy(String domain) {
                return CompletableFuture.completedFuture(Optional.of(policy));
            }

            @Override
            public Optional<MtaStsPolicy> cached(String domain) {
                return Optional.of(policy);
            }
        });
        TlsPolicyReport report = service.report("plain.test", route("plain.test", TlsPolicy.DANE));
        List<String> lines = report.lines(Instant.now());
        assertTrue(lines.get(1).startsWith("MTA-STS policy abc: mode enforce, mx [mx1.plain.test], fetched 90 min ago"), lines.get(1));
        assertTrue(lines.get(2).startsWith("mx1.plain.test: mta-sts-enforce MX of plain.test not DNSSEC-signed; MTA-STS enforce"),
                lines.get(2));
        assertTrue(lines.get(3).startsWith("mx2.plain.test: skipped mta-sts: mx2.plain.test is not in the policy's mx"), lines.get(3));
    }

    @Test
    void aRouteSettingIsShownAsItIsWithoutDns() {
        OutboundTlsReport service = new OutboundTlsReport(); // no resolver: none is needed
        RouteDecision relay = RouteDecision.remote("relay", "smtp", List.of(new NextHop("relay.test", 587)),
                new TransportOptions(TlsPolicy.VERIFY, null, null));
        assertEquals(List.of("tls = verify for x.test", "relay.test: verify tls = verify"), service.report("x.test", relay).lines(Instant.now()));
    }

    private static RouteDecision route(String domain, TlsPolicy tls) {
        return RouteDecision.remote("internet", "smtp", List.of(new NextHop("mx1." + domain, 25), new NextHop("mx2." + domain, 25),
                new NextHop("mx3." + domain, 25)), new TransportOptions(tls, null, null).forMxHosts());
    }
}
