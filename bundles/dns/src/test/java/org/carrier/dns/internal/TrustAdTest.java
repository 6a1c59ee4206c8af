package org.carrier.dns.internal;

import static org.carrier.dns.internal.DnssecValidationTest.assertBogus;
import static org.carrier.dns.internal.DnssecValidationTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.SignedZones;
import org.carrier.testing.UnboundResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code dnssec = trust-ad} against a real validating resolver: Debian's unbound, validating the signed test zones
 * from their trust anchor as a local unbound would validate the Internet from the root's.
 */
class TrustAdTest {
    private static SignedZones zones;
    private static UnboundResolver unbound;

    @BeforeAll
    static void start() throws Exception {
        zones = DnssecValidationTest.zones();
        unbound = UnboundResolver.start(zones.nsd(), zones.trustAnchorFile(), List.of("test", "example"));
    }

    @AfterAll
    static void stop() {
        if (unbound != null) {
            unbound.close();
        }
        zones.close();
    }

    private static DnsjavaResolver trustingTheAdBitOf(String server) {
        return new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                Map.of("servers", server, "timeoutMillis", 3000, "dnssec", "trust-ad")));
    }

    @Test
    void theAdBitOfAValidatingResolverMakesAnswersSecure() throws Exception {
        DnsjavaResolver resolver = trustingTheAdBitOf(unbound.server());
        DnsAnswer<MxRecord> mx = get(resolver.mxAnswer("secure.test"));
        assertEquals(List.of(new MxRecord(10, "mx.secure.test")), mx.records());
        assertEquals(DnssecStatus.SECURE, mx.status());
        assertEquals(DnssecStatus.SECURE, get(resolver.tlsa("_25._tcp.nothere.secure.test")).status());
        assertEquals(DnssecStatus.SECURE, get(resolver.addressesAnswer("mx.secure.test")).status());
    }

    @Test
    void withoutTheAdBitAnswersAreInsecure() throws Exception {
        DnsjavaResolver resolver = trustingTheAdBitOf(unbound.server());
        assertEquals(DnssecStatus.INSECURE, get(resolver.mxAnswer("plain.test")).status());
        assertEquals(DnssecStatus.INSECURE, get(resolver.addressesAnswer("mx.example")).status());
        // nsd answers with authority but never sets AD: an authoritative server's answer is not validated data
        DnsjavaResolver direct = trustingTheAdBitOf(zones.server());
        assertEquals(DnssecStatus.INSECURE, get(direct.mxAnswer("secure.test")).status());
    }

    /** unbound answers SERVFAIL for bogus data, with an extended DNS error (RFC 8914 §4.7) saying why. */
    @Test
    void bogusDataIsAFailureNamedByTheResolversExtendedError() throws Exception {
        DnsjavaResolver resolver = trustingTheAdBitOf(unbound.server());
        assertBogus(resolver.tlsa("_25._tcp.mx.bogus.test"));
        assertBogus(resolver.addressesAnswer("mx.expired.test"));
    }
}
