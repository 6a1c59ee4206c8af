package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.carrier.smtp.server.internal.ConnectionLimits.Admission;
import org.junit.jupiter.api.Test;

/** The counts behind the connection limits: per client, the trusted reserve, and stress with its hysteresis. */
class ConnectionLimitsTest {
    private final ConnectionLimits limits = new ConnectionLimits();

    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) last});
    }

    @Test
    void theDefaultsAreTwentyPerClientAndFiftyReservedForTrustedClients() {
        ListenerSettings defaults = TestSettings.of();
        assertEquals(20, defaults.maxConnectionsPerClient());
        assertEquals(50, defaults.reservedTrustedConnections());
        assertEquals(950, ConnectionLimits.untrustedSlots(defaults));
        assertEquals(10_000, defaults.stressTimeoutMillis());
    }

    @Test
    void theReserveIsAtMostHalfOfTheSlots() {
        assertEquals(5, ConnectionLimits.untrustedSlots(TestSettings.of("maxConnections", 10)));
        assertEquals(1, ConnectionLimits.untrustedSlots(TestSettings.of("maxConnections", 1)));
    }

    @Test
    void aReleasedSlotCanBeTakenAgainAndTrustedClientsHaveNoPerClientLimit() throws Exception {
        ListenerSettings s = TestSettings.of("maxConnections", 100, "maxConnectionsPerClient", 1, "reservedTrustedConnections", 0);
        assertEquals(Admission.ADMITTED, limits.acquire(ip(1), false, s));
        assertEquals(Admission.CLIENT_FULL, limits.acquire(ip(1), false, s));
        limits.release(ip(1), false, s);
        assertEquals(Admission.ADMITTED, limits.acquire(ip(1), false, s));
        for (int i = 0; i < 5; i++) {
            assertEquals(Admission.ADMITTED, limits.acquire(ip(2), true, s));
        }
    }

    @Test
    void stressStartsAtEightyPercentOfTheUntrustedSlotsAndEndsBelowSeventy() throws Exception {
        ListenerSettings s = TestSettings.of("maxConnections", 20, "reservedTrustedConnections", 10, "maxConnectionsPerClient", 20);
        for (int i = 0; i < 5; i++) {
            limits.acquire(ip(1), true, s); // trusted sessions do not count towards stress
        }
        for (int i = 0; i < 7; i++) {
            limits.acquire(ip(1), false, s);
        }
        assertFalse(limits.stressed(), "7 of 10 untrusted slots");
        limits.acquire(ip(1), false, s);
        assertTrue(limits.stressed(), "8 of 10");
        limits.release(ip(1), false, s);
        assertTrue(limits.stressed(), "7 of 10: not yet below 70%");
        limits.release(ip(1), false, s);
        assertFalse(limits.stressed(), "6 of 10");
    }
}
