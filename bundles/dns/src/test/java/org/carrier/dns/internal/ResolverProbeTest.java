package org.carrier.dns.internal;

import static org.carrier.dns.internal.DnssecValidationTest.assertBogus;
import static org.carrier.dns.internal.DnssecValidationTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.MutableClock;
import org.carrier.testing.NsdServer;
import org.carrier.testing.RecordingMetricWriter;
import org.carrier.testing.SignedZones;
import org.junit.jupiter.api.Test;

/**
 * {@code dnssec = validate} against servers that do not pass DNSSEC records: answers are insecure with one warning,
 * not bogus; a server once seen to pass them stays known to, so stripped signatures after that are bogus.
 */
class ResolverProbeTest {
    private static final String GAUGE = "carrier_dns_dnssec_resolver_capable{}";
    private final MutableClock clock = new MutableClock(Instant.now());
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private DnsjavaResolver resolver(String server, Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put("servers", server);
        all.put("timeoutMillis", 1000);
        return new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class, all),
                Map.of("service.pid", DnsjavaResolver.PID), clock, warnings::add);
    }

    /** The built-in root anchor and an authoritative-only nsd, which answers REFUSED for the root's DNSKEY set. */
    @Test
    void serversWithoutDnssecGiveInsecureAnswersAndOneWarningAnHour() throws Exception {
        try (NsdServer nsd = NsdServer.start(Map.of("plain.test", "@ MX 10 mx.plain.test.\nmx A 127.0.0.1\nmx AAAA ::1\n"
                + "_25._tcp.mx TLSA 3 1 1 " + DnssecValidationTest.HASH + "\n"), 60)) {
            DnsjavaResolver resolver = resolver(nsd.server(), Map.of());
            DnsAnswer<MxRecord> mx = get(resolver.mxAnswer("plain.test"));
            assertEquals(List.of(new MxRecord(10, "mx.plain.test")), mx.records());
            assertEquals(DnssecStatus.INSECURE, mx.status());
            DnsAnswer<InetAddress> addresses = get(resolver.addressesAnswer("mx.plain.test"));
            assertEquals(2, addresses.records().size());
            assertEquals(DnssecStatus.INSECURE, addresses.status());
            assertEquals(DnssecStatus.INSECURE, get(resolver.tlsa("_25._tcp.mx.plain.test")).status());
            assertEquals(DnssecStatus.INSECURE, get(resolver.tlsa("_25._tcp.nothere.plain.test")).status());

            assertEquals(1, warnings.size(), warnings.toString());
            assertEquals("DNS servers " + nsd.server() + " do not support DNSSEC (DNSKEY . with the DO bit: REFUSED). "
                    + "DANE is inactive: answers are treated as insecure; mail goes by MTA-STS or opportunistic TLS; "
                    + "use a DNSSEC-aware resolver (e.g. a local unbound) or set dnssec = off to silence this", warnings.get(0));
            assertEquals(0.0, gauge(resolver));

            clock.advance(ResolverProbe.RETRY_INCAPABLE.plusSeconds(1));
            assertEquals(DnssecStatus.INSECURE, get(resolver.mxAnswer("nothere.plain.test")).status(), "probed again");
            assertEquals(1, warnings.size(), "at most once an hour");
            clock.advance(ResolverProbe.WARN_EVERY);
            assertEquals(DnssecStatus.INSECURE, get(resolver.tlsa("_25._tcp.mx.plain.test")).status());
            assertEquals(2, warnings.size(), "again while it lasts");
        }
    }

    @Test
    void aSignedZoneWithItsAnchorIsProbedCapableAndValidatesAsBefore() throws Exception {
        try (SignedZones zones = DnssecValidationTest.zones()) {
            DnsjavaResolver resolver = resolver(zones.server(), Map.of("trustAnchorFile", zones.trustAnchorFile().toString()));
            assertEquals(-1.0, gauge(resolver), "not asked yet");
            assertEquals(DnssecStatus.SECURE, get(resolver.mxAnswer("secure.test")).status());
            assertEquals(DnssecStatus.INSECURE, get(resolver.mxAnswer("plain.test")).status());
            assertBogus(resolver.tlsa("_25._tcp.mx.bogus.test"));
            assertEquals(1.0, gauge(resolver));
            assertEquals(List.of(), warnings);
        }
    }

    /** Downgrade resistance: signatures stripped after the servers were seen to pass them are bogus, never insecure. */
    @Test
    void serversOnceSeenCapableStaySoAndStrippedSignaturesAreBogus() throws Exception {
        try (SignedZones zones = DnssecValidationTest.zones();
             StrippingForwarder forwarder = new StrippingForwarder(zones.nsd().address())) {
            Map<String, Object> settings = Map.of("trustAnchorFile", zones.trustAnchorFile().toString());
            DnsjavaResolver resolver = resolver(forwarder.server(), settings);
            assertEquals(DnssecStatus.SECURE, get(resolver.mxAnswer("secure.test")).status());

            forwarder.strip(true);
            clock.advance(Duration.ofHours(2)); // past every cache and retry interval
            assertBogus(resolver.tlsa("_25._tcp.mx.secure.test"));
            assertBogus(resolver.mxAnswer("secure.test"));
            assertEquals(1.0, gauge(resolver));

            // a change of another setting keeps what is known of the same servers
            resolver.modified(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("servers", forwarder.server(),
                    "timeoutMillis", "1500", "trustAnchorFile", zones.trustAnchorFile().toString())), Map.of());
            assertBogus(resolver.addressesAnswer("mx.secure.test"));
            assertEquals(List.of(), warnings);
        }
    }

    /** The same stripping forwarder from the start: the servers are taken not to support DNSSEC. */
    @Test
    void serversThatStripSignaturesFromTheStartAreIncapable() throws Exception {
        try (SignedZones zones = DnssecValidationTest.zones();
             StrippingForwarder forwarder = new StrippingForwarder(zones.nsd().address())) {
            forwarder.strip(true);
            DnsjavaResolver resolver = resolver(forwarder.server(), Map.of("trustAnchorFile", zones.trustAnchorFile().toString()));
            assertEquals(DnssecStatus.INSECURE, get(resolver.mxAnswer("secure.test")).status());
            assertEquals(1, warnings.size());
            assertTrue(warnings.get(0).contains("(DNSKEY test. with the DO bit: a DNSKEY set without RRSIG records)"), warnings.get(0));
        }
    }

    /** No answer to the probe teaches nothing: lookups are validated (and fail here), the probe is asked again. */
    @Test
    void aProbeWithoutAnswerLeavesAnswersValidated() throws Exception {
        int port = NsdServer.freePort();
        DnsjavaResolver resolver = resolver("127.0.0.1:" + port, Map.of("retries", 0));
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(resolver.mxAnswer("plain.test")));
        assertEquals(Kind.TEMPORARY, assertInstanceOf(DnsLookupException.class, e.getCause()).kind());
        assertEquals(-1.0, gauge(resolver));
        assertEquals(List.of(), warnings);
    }

    private static double gauge(DnsjavaResolver resolver) {
        RecordingMetricWriter written = new RecordingMetricWriter();
        resolver.collect(written);
        return written.samples().get(GAUGE);
    }
}
