package org.carrier.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.config.TypedConfig;
import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.RecordingMetricWriter;
import org.carrier.testing.SignedZones;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNSSEC validation by dnsjava's validator against zones signed at test time and served by the real nsd, the trust
 * anchor being the signed zone {@code test.} (RFC 4035 §5): secure, insecure and bogus answers and denials.
 */
class DnssecValidationTest {
    static final String HASH = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static SignedZones zones;
    private static DnsjavaResolver resolver;

    @BeforeAll
    static void signAndServe() throws Exception {
        zones = zones();
        resolver = resolver(Map.of("trustAnchorFile", zones.trustAnchorFile().toString()));
    }

    /** The zones the DNSSEC tests share: one of each kind under the anchor {@code test.}. */
    static SignedZones zones() throws Exception {
        String hosts = "mx A 127.0.0.1\nmx AAAA ::1\n_25._tcp.mx TLSA 3 1 1 " + HASH + "\n";
        return SignedZones.anchor("test", "")
                .signed("secure.test", "@ MX 10 mx.secure.test.\n" + hosts + "v4only A 127.0.0.2\n")
                .unsigned("plain.test", "@ MX 10 mx.plain.test.\n" + hosts)
                .bogus("bogus.test", "@ MX 10 mx.bogus.test.\n" + hosts, "TLSA")
                .bogus("baddenial.test", hosts, "NSEC")
                .expired("expired.test", hosts)
                .untrusted("example", hosts)
                .negativeTtl(120)
                .start();
    }

    @AfterAll
    static void stop() {
        zones.close();
    }

    private static DnsjavaResolver resolver(Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(settings);
        all.put("servers", zones.server());
        all.put("timeoutMillis", 2000);
        return new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class, all));
    }

    @Test
    void aSignedZoneUnderTheAnchorGivesSecureAnswers() throws Exception {
        DnsAnswer<MxRecord> mx = get(resolver.mxAnswer("secure.test"));
        assertEquals(List.of(new MxRecord(10, "mx.secure.test")), mx.records());
        assertEquals(DnssecStatus.SECURE, mx.status());
        assertTrue(mx.ttl().compareTo(Duration.ZERO) > 0 && mx.ttl().compareTo(Duration.ofSeconds(300)) <= 0, mx.ttl().toString());

        DnsAnswer<InetAddress> addresses = get(resolver.addressesAnswer("mx.secure.test"));
        assertEquals(List.of(InetAddress.getByName("::1"), InetAddress.getByName("127.0.0.1")), addresses.records());
        assertTrue(addresses.secure());

        DnsAnswer<TlsaRecord> tlsa = get(resolver.tlsa("_25._tcp.mx.secure.test."));
        assertTrue(tlsa.secure());
        assertEquals(List.of(new TlsaRecord(3, 1, 1, HexFormat.of().parseHex(HASH))), tlsa.records());
        assertEquals("3 1 1 " + HASH, tlsa.records().get(0).toString());
    }

    /** RFC 7672 §2.2: DANE needs to know that "no TLSA record" is itself proved, by NSEC, for a name and a type. */
    @Test
    void nxdomainAndNodataInASignedZoneAreSecureEmptyAnswers() throws Exception {
        DnsAnswer<TlsaRecord> noName = get(resolver.tlsa("_25._tcp.nothere.secure.test"));
        assertTrue(noName.isEmpty());
        assertEquals(DnssecStatus.SECURE, noName.status());
        assertEquals(Duration.ofSeconds(120), noName.ttl(), "RFC 2308 §5: the SOA minimum");

        DnsAnswer<TlsaRecord> noType = get(resolver.tlsa("mx.secure.test"));
        assertTrue(noType.isEmpty());
        assertEquals(DnssecStatus.SECURE, noType.status());

        DnsAnswer<InetAddress> v4only = get(resolver.addressesAnswer("v4only.secure.test"));
        assertEquals(List.of(InetAddress.getByName("127.0.0.2")), v4only.records());
        assertTrue(v4only.secure(), "a secure A answer and a secure NODATA for AAAA");
    }

    @Test
    void anUnsignedChildOfTheAnchorIsInsecure() throws Exception {
        DnsAnswer<MxRecord> mx = get(resolver.mxAnswer("plain.test"));
        assertEquals(List.of(new MxRecord(10, "mx.plain.test")), mx.records());
        assertEquals(DnssecStatus.INSECURE, mx.status());
        DnsAnswer<TlsaRecord> tlsa = get(resolver.tlsa("_25._tcp.mx.plain.test"));
        assertEquals(1, tlsa.records().size());
        assertEquals(DnssecStatus.INSECURE, tlsa.status());
        assertEquals(DnssecStatus.INSECURE, get(resolver.tlsa("_25._tcp.nothere.plain.test")).status());
    }

    @Test
    void aSignedZoneThatNoAnchorVouchesForIsInsecure() throws Exception {
        DnsAnswer<InetAddress> addresses = get(resolver.addressesAnswer("mx.example"));
        assertEquals(2, addresses.records().size());
        assertEquals(DnssecStatus.INSECURE, addresses.status());
    }

    /** RFC 4035 §4.3 and RFC 7672 §2.1.1: bogus is no answer at all, never taken for insecure. */
    @Test
    void aCorruptedSignatureIsBogusATemporaryFailure() throws Exception {
        assertBogus(resolver.tlsa("_25._tcp.mx.bogus.test"));
        assertTrue(get(resolver.addressesAnswer("mx.bogus.test")).secure(), "only the TLSA signatures are corrupted");
        assertBogus(resolver.tlsa("_25._tcp.nothere.baddenial.test"));
        assertBogus(resolver.addressesAnswer("mx.expired.test"));
    }

    @Test
    void aTrustAnchorThatIsNotTheZonesKeyMakesItsAnswersBogus(@TempDir Path dir) throws Exception {
        Path wrong = dir.resolve("wrong.ds");
        Files.writeString(wrong, "test. IN DS 12345 13 2 " + HASH + "\n");
        DnsjavaResolver mistrusting = resolver(Map.of("trustAnchorFile", wrong.toString()));
        assertBogus(mistrusting.mxAnswer("secure.test"));
        assertBogus(mistrusting.mxAnswer("plain.test"));
    }

    @Test
    void withDnssecOffEveryAnswerIsInsecure() throws Exception {
        DnsjavaResolver off = resolver(Map.of("dnssec", "off", "trustAnchorFile", zones.trustAnchorFile().toString()));
        DnsAnswer<MxRecord> mx = get(off.mxAnswer("secure.test"));
        assertEquals(List.of(new MxRecord(10, "mx.secure.test")), mx.records());
        assertEquals(DnssecStatus.INSECURE, mx.status());
        assertEquals(DnssecStatus.INSECURE, get(off.tlsa("_25._tcp.mx.bogus.test")).status(), "nothing validated, nothing bogus");
    }

    @Test
    void answersAreCountedByTypeAndStatus() throws Exception {
        DnsjavaResolver counted = resolver(Map.of("trustAnchorFile", zones.trustAnchorFile().toString()));
        get(counted.mxAnswer("secure.test"));
        get(counted.mxAnswer("plain.test"));
        get(counted.tlsa("_25._tcp.nothere.secure.test"));
        assertBogus(counted.tlsa("_25._tcp.mx.bogus.test"));
        RecordingMetricWriter written = new RecordingMetricWriter();
        counted.collect(written);
        assertEquals(Map.of(
                "carrier_dns_lookups_total{type=MX}", 2.0,
                "carrier_dns_lookups_total{type=TLSA}", 2.0,
                "carrier_dns_dnssec_answers_total{type=MX,status=secure}", 1.0,
                "carrier_dns_dnssec_answers_total{type=MX,status=insecure}", 1.0,
                "carrier_dns_dnssec_answers_total{type=TLSA,status=secure}", 1.0,
                "carrier_dns_dnssec_answers_total{type=TLSA,status=bogus}", 1.0,
                "carrier_dns_dnssec_resolver_capable{}", 1.0), written.samples());
    }

    /** The plain lookups (MX routing, filters) ask as before: no validation, so no change for tls = none routes. */
    @Test
    void thePlainLookupsDoNotValidate() throws Exception {
        assertEquals(2, get(resolver.addresses("mx.expired.test")).size());
    }

    @Test
    void aBadTrustAnchorFileIsRefusedNamingKeyFileAndProblemAndTheLastGoodStays(@TempDir Path dir) throws Exception {
        DnsjavaResolver r = resolver(Map.of("trustAnchorFile", zones.trustAnchorFile().toString()));
        DnsClient.Settings good = r.settingsInForce();
        Path garbage = dir.resolve("anchor.txt");
        Files.writeString(garbage, "test. IN DS twelve 13 2 00\n");
        Path none = dir.resolve("no-such-file");
        Path noAnchor = dir.resolve("a.txt");
        Files.writeString(noAnchor, "test. IN A 127.0.0.1\n");

        assertProblem(garbage, "not a zone file of DS or DNSKEY records");
        assertProblem(none, "no such trust anchor file");
        assertProblem(noAnchor, "no DS or DNSKEY record");
        for (Path bad : List.of(garbage, none, noAnchor)) {
            r.modified(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("servers", zones.server(),
                    "timeoutMillis", "2000", "trustAnchorFile", bad.toString())), Map.of());
            assertSame(good, r.settingsInForce());
        }
        assertTrue(get(r.mxAnswer("secure.test")).secure(), "the last good anchor still validates");

        ConfigProblem mode = assertThrows(ConfigProblem.class, () -> DnsjavaResolver.settings(
                TypedConfig.of(DnsjavaResolver.Config.class, Map.of("dnssec", "yes"))));
        assertEquals("dnssec = \"yes\": expected one of validate, trust-ad, off", mode.getMessage());
    }

    @Test
    void theBuiltInAnchorIsTheRootKeySigningKeys() {
        DnsClient.Settings defaults = DnsjavaResolver.settings(TypedConfig.defaults(DnsjavaResolver.Config.class));
        assertEquals(DnssecMode.VALIDATE, defaults.dnssec());
        assertSame(TrustAnchor.ROOT, defaults.trustAnchor());
        assertEquals(List.of(20326, 38696), TrustAnchor.ROOT.records().stream()
                .map(r -> ((org.xbill.DNS.DSRecord) r).getFootprint()).toList());
    }

    private static void assertProblem(Path file, String problem) {
        ConfigProblem e = assertThrows(ConfigProblem.class, () -> DnsjavaResolver.settings(
                TypedConfig.of(DnsjavaResolver.Config.class, Map.of("trustAnchorFile", file.toString()))));
        assertEquals("trustAnchorFile", e.key());
        assertEquals(file.toString(), e.value());
        assertTrue(e.getMessage().startsWith("trustAnchorFile = \"" + file + "\": " + problem), e.getMessage());
    }

    static void assertBogus(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(stage));
        DnsLookupException lookup = assertInstanceOf(DnsLookupException.class, e.getCause());
        assertEquals(Kind.TEMPORARY, lookup.kind());
        assertTrue(lookup.getMessage().startsWith("DNSSEC bogus: "), lookup.getMessage());
        assertFalse(lookup.getMessage().endsWith(": "), lookup.getMessage());
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
