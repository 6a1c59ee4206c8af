package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LoginBackoffTest {
    private final AtomicLong clock = new AtomicLong();
    private final LoginBackoff backoff = new LoginBackoff(clock::get);

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void eachFailureDoublesTheWaitUpToItsCap() {
        long[] expected = {1, 2, 4, 8, 16, 30, 30};
        for (long seconds : expected) {
            Duration delay = backoff.failed("192.0.2.1");
            assertEquals(Duration.ofSeconds(seconds), delay);
            assertTrue(backoff.waiting("192.0.2.1"));
            advance(delay.minusMillis(1));
            assertTrue(backoff.waiting("192.0.2.1"));
            advance(Duration.ofMillis(1));
            assertFalse(backoff.waiting("192.0.2.1"));
        }
        assertFalse(backoff.waiting("192.0.2.2"), "addresses are counted apart");
    }

    @Test
    void successOrAQuarterOfAnHourWithoutFailureForgets() {
        backoff.failed("192.0.2.1");
        backoff.failed("192.0.2.1");
        backoff.succeeded("192.0.2.1");
        assertEquals(Duration.ofSeconds(1), backoff.failed("192.0.2.1"));
        backoff.failed("192.0.2.1");
        advance(LoginBackoff.FORGET);
        assertEquals(0, backoff.failures("192.0.2.1"));
        assertEquals(Duration.ofSeconds(1), backoff.failed("192.0.2.1"));
    }

    @Test
    void theTableIsBounded() {
        for (int i = 0; i <= LoginBackoff.MAX_ADDRESSES; i++) {
            backoff.failed("10.0." + (i >> 8) + "." + (i & 255));
        }
        assertEquals(0, backoff.failures("10.0.0.0"), "the least recently failed address was dropped");
        assertEquals(1, backoff.failures("10.0.0.1"));
    }
}
