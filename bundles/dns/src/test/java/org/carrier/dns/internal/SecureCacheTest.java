package org.carrier.dns.internal;

import static org.carrier.dns.internal.DnssecValidationTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.testing.MutableClock;
import org.carrier.testing.SignedZones;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** Validated answers, positive and negative, are cached for their TTL with their status (issue 16: DANE by TTL). */
class SecureCacheTest {
    @Test
    void aValidatedAnswerIsServedFromTheCacheForItsTtlAndAskedAgainAfter() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (SignedZones zones = SignedZones.anchor("test", "")
                .signed("secure.test", "_25._tcp.mx TLSA 3 1 1 " + DnssecValidationTest.HASH)
                .negativeTtl(120).start()) {
            DnsClient client = new DnsClient(DnsjavaResolver.settings(TypedConfig.of(DnsjavaResolver.Config.class, Map.of(
                    "servers", zones.server(), "timeoutMillis", "300", "retries", "0", "failureTtlSeconds", "0",
                    "trustAnchorFile", zones.trustAnchorFile().toString()))), clock);
            LookupKey tlsa = new LookupKey(Name.fromString("_25._tcp.mx.secure.test."), Type.TLSA);
            LookupKey missing = new LookupKey(Name.fromString("_25._tcp.nothere.secure.test."), Type.TLSA);

            SecureLookups.Answer first = get(client.secureLookup(tlsa));
            assertEquals(DnssecStatus.SECURE, first.status());
            assertEquals(Duration.ofSeconds(300), first.ttl(), "the zone's $TTL");
            assertEquals(DnssecStatus.SECURE, get(client.secureLookup(missing)).status());

            zones.nsd().close();
            clock.advance(Duration.ofSeconds(100));
            SecureLookups.Answer cached = get(client.secureLookup(tlsa));
            assertEquals(first.records(), cached.records());
            assertEquals(DnssecStatus.SECURE, cached.status());
            assertEquals(Duration.ofSeconds(200), cached.ttl(), "what is left of the TTL");
            assertTrue(get(client.secureLookup(missing)).records().isEmpty(), "the secure NXDOMAIN too, for its 120 s");

            clock.advance(Duration.ofSeconds(30));
            assertTemporary(client, missing);
            clock.advance(Duration.ofSeconds(171));
            assertTemporary(client, tlsa);
        }
    }

    private static void assertTemporary(DnsClient client, LookupKey key) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(client.secureLookup(key)));
        assertEquals(Kind.TEMPORARY, assertInstanceOf(DnsLookupException.class, e.getCause()).kind(), "asked again: no server");
    }
}
