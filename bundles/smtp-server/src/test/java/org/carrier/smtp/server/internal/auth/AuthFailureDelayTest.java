package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.Test;

class AuthFailureDelayTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private AuthFailureDelay delay(int maxTracked) {
        return new AuthFailureDelay(Duration.ofSeconds(1), Duration.ofSeconds(16), Duration.ofMinutes(15), maxTracked, clock);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static List<Long> seconds(AuthFailureDelay delay, InetAddress client, int failures) {
        return IntStream.range(0, failures).mapToObj(i -> delay.recordFailure(client).toSeconds()).toList();
    }

    @Test
    void doublesFromOneSecondUpToSixteen() throws Exception {
        AuthFailureDelay delay = delay(100);
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 16L, 16L), seconds(delay, ip("192.0.2.1"), 7));
        assertEquals(Duration.ofSeconds(1), delay.recordFailure(ip("192.0.2.2")), "another client starts at one second");
        assertEquals(Duration.ofSeconds(16), delay.nextDelay(ip("192.0.2.1")));
        assertEquals(Duration.ofSeconds(1), delay.nextDelay(ip("198.51.100.9")));
        assertEquals(2, delay.tracked(), "nextDelay records nothing");
    }

    @Test
    void manyFailuresDoNotOverflow() throws Exception {
        AuthFailureDelay delay = delay(10);
        for (int i = 0; i < 100; i++) {
            delay.recordFailure(ip("192.0.2.1"));
        }
        assertEquals(Duration.ofSeconds(16), delay.recordFailure(ip("192.0.2.1")));
    }

    @Test
    void aQuietClientIsForgotten() throws Exception {
        AuthFailureDelay delay = delay(100);
        seconds(delay, ip("192.0.2.1"), 4);
        clock.advance(Duration.ofMinutes(14));
        assertEquals(Duration.ofSeconds(16), delay.recordFailure(ip("192.0.2.1")), "still within the quiet period");
        clock.advance(Duration.ofMinutes(15));
        assertEquals(0, delay.tracked());
        assertEquals(Duration.ofSeconds(1), delay.recordFailure(ip("192.0.2.1")));
    }

    @Test
    void ipv6ClientsCountPerSlash64() throws Exception {
        AuthFailureDelay delay = delay(100);
        assertEquals(Duration.ofSeconds(1), delay.recordFailure(ip("2001:db8:1:2::1")));
        assertEquals(Duration.ofSeconds(2), delay.recordFailure(ip("2001:db8:1:2:ffff::99")), "same /64");
        assertEquals(Duration.ofSeconds(1), delay.recordFailure(ip("2001:db8:1:3::1")), "another /64");
    }

    @Test
    void memoryIsBoundedByForgettingTheLongestQuiet() throws Exception {
        AuthFailureDelay delay = delay(3);
        seconds(delay, ip("192.0.2.1"), 3);
        for (int i = 2; i <= 200; i++) {
            clock.advance(Duration.ofSeconds(1));
            delay.recordFailure(ip("198.51.100." + (i % 250)));
            if (i == 100) {
                seconds(delay, ip("192.0.2.1"), 0);
            }
        }
        assertEquals(3, delay.tracked());
        assertEquals(Duration.ofSeconds(1), delay.nextDelay(ip("192.0.2.1")), "the oldest was dropped");
        assertEquals(Duration.ofSeconds(2), delay.nextDelay(ip("198.51.100.200")));
    }

    @Test
    void refusesNonsenseSettings() {
        assertThrows(IllegalArgumentException.class,
                () -> new AuthFailureDelay(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO, 10, clock));
        assertThrows(IllegalArgumentException.class,
                () -> new AuthFailureDelay(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, 0, clock));
    }
}
