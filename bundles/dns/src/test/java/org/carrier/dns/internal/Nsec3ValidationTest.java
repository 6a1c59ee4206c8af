package org.carrier.dns.internal;

import static org.carrier.dns.internal.DnssecValidationTest.assertBogus;
import static org.carrier.dns.internal.DnssecValidationTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.SignedZones;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same validation with NSEC3 (RFC 5155) denials, as most signed zones publish them: hashed names, no extra
 * iterations (RFC 9276), and an anchor zone with opt-out, as top-level domains sign their unsigned delegations.
 */
class Nsec3ValidationTest {
    private static SignedZones zones;
    private static DnsjavaResolver resolver;

    @BeforeAll
    static void signAndServe() throws Exception {
        String hosts = "mx A 127.0.0.1\n_25._tcp.mx TLSA 3 1 1 " + DnssecValidationTest.HASH + "\n";
        zones = SignedZones.anchor("test", "").nsec3()
                .signed("secure.test", "@ MX 10 mx.secure.test.\n" + hosts)
                .unsigned("plain.test", "@ MX 10 mx.plain.test.\n" + hosts)
                .bogus("baddenial.test", hosts, "NSEC3")
                .start();
        resolver = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class, Map.of("servers", zones.server(),
                "timeoutMillis", 2000, "trustAnchorFile", zones.trustAnchorFile().toString())));
    }

    @AfterAll
    static void stop() {
        zones.close();
    }

    @Test
    void secureAnswersAndSecureDenialsByNsec3() throws Exception {
        DnsAnswer<MxRecord> mx = get(resolver.mxAnswer("secure.test"));
        assertEquals(List.of(new MxRecord(10, "mx.secure.test")), mx.records());
        assertTrue(mx.secure());
        assertTrue(get(resolver.tlsa("_25._tcp.mx.secure.test")).secure());
        DnsAnswer<TlsaRecord> noName = get(resolver.tlsa("_25._tcp.nothere.secure.test"));
        assertTrue(noName.isEmpty() && noName.secure(), "NXDOMAIN proved by NSEC3 closest encloser: " + noName);
        DnsAnswer<TlsaRecord> noType = get(resolver.tlsa("mx.secure.test"));
        assertTrue(noType.isEmpty() && noType.secure(), "NODATA proved by NSEC3: " + noType);
    }

    @Test
    void anUnsignedChildUnderAnOptOutSpanIsInsecure() throws Exception {
        assertEquals(DnssecStatus.INSECURE, get(resolver.mxAnswer("plain.test")).status());
        assertEquals(DnssecStatus.INSECURE, get(resolver.tlsa("_25._tcp.mx.plain.test")).status());
    }

    @Test
    void aCorruptedNsec3SignatureMakesTheDenialBogus() {
        assertBogus(resolver.tlsa("_25._tcp.nothere.baddenial.test"));
    }
}
