package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class NetworksTest {

    @Test
    void matchesByPrefixForBothFamilies() throws Exception {
        Networks n = Networks.parse("127.0.0.0/8, 192.0.2.128/25 ::1/128, 2001:db8::/32 198.51.100.7");
        assertTrue(n.contains(InetAddress.getByName("127.1.2.3")));
        assertTrue(n.contains(InetAddress.getByName("192.0.2.200")));
        assertFalse(n.contains(InetAddress.getByName("192.0.2.100")));
        assertTrue(n.contains(InetAddress.getByName("::1")));
        assertTrue(n.contains(InetAddress.getByName("2001:db8:ffff::5")));
        assertFalse(n.contains(InetAddress.getByName("2001:db9::5")));
        assertTrue(n.contains(InetAddress.getByName("198.51.100.7")));
        assertFalse(n.contains(InetAddress.getByName("198.51.100.8")));
        assertFalse(Networks.parse("").contains(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void refusesWhatIsNotANetworkWithoutLookingItUp() {
        assertThrows(IllegalArgumentException.class, () -> Networks.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> Networks.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Networks.parse("10.0.0.0/x"));
    }
}
