package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ConsoleSessionsTest {
    private final AtomicLong clock = new AtomicLong();
    private final ConsoleSessions sessions = new ConsoleSessions(clock::get, Duration.ofMinutes(30), Duration.ofHours(12));

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void aSessionEndsAfterItsIdleTimeout() {
        String token = sessions.open("admin");
        advance(Duration.ofMinutes(29));
        assertEquals(Optional.of("admin"), sessions.user(token), "used: the idle time starts again");
        advance(Duration.ofMinutes(29));
        assertEquals(Optional.of("admin"), sessions.user(token));
        advance(Duration.ofMinutes(30));
        assertEquals(Optional.empty(), sessions.user(token));
        assertEquals(Optional.empty(), sessions.user(token), "gone for good");
    }

    @Test
    void aSessionInUseEndsAfterItsLifetime() {
        String token = sessions.open("admin");
        for (int i = 0; i < 12 * 4 - 1; i++) {
            advance(Duration.ofMinutes(15));
            assertEquals(Optional.of("admin"), sessions.user(token), "at " + (i + 1) * 15 + " min");
        }
        advance(Duration.ofMinutes(15));
        assertEquals(Optional.empty(), sessions.user(token), "12 h after the login");
    }

    @Test
    void tokensAreUnguessableAndUnknownOnesNameNobody() {
        assertNotEquals(sessions.open("admin"), sessions.open("admin"));
        assertEquals(Optional.empty(), sessions.user("made-up"));
        assertEquals(Optional.empty(), sessions.user(null));
    }

    @Test
    void theTableIsBoundedAndDropsTheLeastRecentlyUsed() {
        String kept = sessions.open("admin");
        String dropped = sessions.open("admin");
        for (int i = 2; i < ConsoleSessions.MAX_SESSIONS; i++) {
            sessions.open("admin");
        }
        sessions.user(kept);
        sessions.open("admin");
        assertEquals(ConsoleSessions.MAX_SESSIONS, sessions.size());
        assertEquals(Optional.of("admin"), sessions.user(kept));
        assertEquals(Optional.empty(), sessions.user(dropped));
    }

    @Test
    void closedSessionsEnd() {
        String one = sessions.open("admin");
        String two = sessions.open("admin");
        sessions.close(one);
        assertEquals(Optional.empty(), sessions.user(one));
        sessions.closeAll();
        assertEquals(Optional.empty(), sessions.user(two));
    }
}
