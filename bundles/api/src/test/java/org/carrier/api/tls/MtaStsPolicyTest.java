package org.carrier.api.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class MtaStsPolicyTest {
    private static final Instant FETCHED = Instant.parse("2026-12-01T00:00:00Z");
    private final MtaStsPolicy policy = new MtaStsPolicy("Example.TEST", "20261201", MtaStsMode.ENFORCE,
            List.of("mx1.example.test", "*.mail.example.test"), Duration.ofDays(7), FETCHED);

    @Test
    void anExactPatternMatchesWhateverTheCaseAndATrailingDot() {
        assertTrue(policy.allows("MX1.example.test."));
        assertFalse(policy.allows("mx2.example.test"));
    }

    @Test
    void aWildcardStandsForExactlyOneLeftmostLabel() {
        // RFC 8461 §4.1: "*.example.com" matches "mx.example.com", not "a.b.example.com" nor "example.com"
        assertTrue(policy.allows("a.mail.example.test"));
        assertFalse(policy.allows("a.b.mail.example.test"));
        assertFalse(policy.allows("mail.example.test"));
    }

    @Test
    void expiresAfterMaxAge() {
        assertFalse(policy.expiredAt(FETCHED.plus(Duration.ofDays(7))));
        assertTrue(policy.expiredAt(FETCHED.plus(Duration.ofDays(7)).plusSeconds(1)));
    }

    @Test
    void reportsItsLinesAsTlsRptPolicyStrings() {
        assertEquals(List.of("version: STSv1", "mode: enforce", "mx: mx1.example.test", "mx: *.mail.example.test",
                "max_age: 604800"), policy.policyStrings());
        assertEquals("example.test", policy.domain());
    }

    @Test
    void modesParseOnlyTheirWireNames() {
        assertEquals(Optional.of(MtaStsMode.TESTING), MtaStsMode.parse("testing"));
        assertEquals(Optional.empty(), MtaStsMode.parse("Enforce"));
    }
}
