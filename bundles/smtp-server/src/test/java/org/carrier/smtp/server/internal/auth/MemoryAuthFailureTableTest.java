package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** The failure table: the threshold within the window, the lockout's length, expiry, and the bound on its size. */
class MemoryAuthFailureTableTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Duration LOCKOUT = Duration.ofMinutes(15);

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final MemoryAuthFailureTable table = new MemoryAuthFailureTable(100, clock);

    private boolean fail(String key) {
        return table.recordFailure(key, 10, WINDOW, LOCKOUT);
    }

    @Test
    void theTenthFailureWithinTheWindowLocksOutOnceForTheLockoutPeriod() {
        for (int i = 1; i < 10; i++) {
            assertFalse(fail("client:192.0.2.1"), "failure " + i);
            now = now.plusSeconds(30);
        }
        assertFalse(table.lockedOut("client:192.0.2.1"));
        assertTrue(fail("client:192.0.2.1"), "the tenth starts the lockout");
        assertTrue(table.lockedOut("client:192.0.2.1"));
        assertFalse(fail("client:192.0.2.1"), "an eleventh does not start it again (one log line per lockout)");
        assertFalse(table.lockedOut("client:192.0.2.2"), "other keys are not affected");
        now = now.plus(LOCKOUT).minusSeconds(1);
        assertTrue(table.lockedOut("client:192.0.2.1"));
        now = now.plusSeconds(1);
        assertFalse(table.lockedOut("client:192.0.2.1"), "over after the lockout period");
    }

    @Test
    void failuresOlderThanTheWindowNoLongerCount() {
        for (int i = 0; i < 9; i++) {
            fail("user:alice");
        }
        now = now.plus(WINDOW);
        assertFalse(fail("user:alice"), "a new window: this is the first failure of it");
        assertFalse(table.lockedOut("user:alice"));
    }

    @Test
    void entriesExpireAndTheTableStaysWithinItsBound() {
        for (int i = 0; i < 1000; i++) {
            fail("client:10.0." + i / 256 + "." + i % 256);
        }
        assertEquals(100, table.size(), "at most maxEntries keys");
        now = now.plus(WINDOW);
        assertEquals(0, table.size(), "every window is over");
    }

    @Test
    void aLimitOfZeroNeverLocksOut() {
        for (int i = 0; i < 50; i++) {
            assertFalse(table.recordFailure("client:192.0.2.9", 0, WINDOW, LOCKOUT));
        }
        assertFalse(table.lockedOut("client:192.0.2.9"));
    }
}
