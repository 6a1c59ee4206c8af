package org.carrier.api.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

class IpNetworkTest {

    @Test
    void containsTheAddressesOfItsPrefixOnly() throws Exception {
        IpNetwork net = IpNetwork.parse("192.0.2.77/25");
        assertEquals("192.0.2.0/25", net.toString());
        assertTrue(net.contains(InetAddress.getByName("192.0.2.127")));
        assertFalse(net.contains(InetAddress.getByName("192.0.2.128")));
        assertFalse(net.contains(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void ipv6AndSingleHosts() throws Exception {
        IpNetwork net = IpNetwork.parse("2001:db8:1:2::/64");
        assertTrue(net.contains(InetAddress.getByName("2001:db8:1:2:ffff::1")));
        assertFalse(net.contains(InetAddress.getByName("2001:db8:1:3::1")));
        IpNetwork host = IpNetwork.parse("10.1.2.3");
        assertEquals(32, host.prefixLength());
        assertTrue(host.contains(InetAddress.getByName("10.1.2.3")));
        assertFalse(host.contains(InetAddress.getByName("10.1.2.4")));
    }

    @Test
    void theNetworkOfAnAddressClearsTheHostBits() throws Exception {
        assertEquals(IpNetwork.parse("198.51.100.0/24"), IpNetwork.of(InetAddress.getByName("198.51.100.200"), 24));
        assertEquals("2001:db8:0:7::/64", IpNetwork.of(InetAddress.getByName("2001:db8:0:7:1:2:3:4"), 64).toString());
    }

    @Test
    void anIpv4MappedIpv6NetworkStaysIpv6() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 9};
        IpNetwork net = IpNetwork.of(Inet6Address.getByAddress(null, mapped, -1), 120);
        assertEquals(16, net.address().getAddress().length);
        assertEquals("::ffff:c000:200/120", net.toString());
        assertTrue(net.contains(Inet6Address.getByAddress(null, mapped, -1)));
        assertFalse(net.contains(InetAddress.getByName("192.0.2.9")));
    }

    @Test
    void ipv6IsWrittenInItsShortForm() throws Exception {
        // RFC 5952 §4.2.1-§4.2.3 and §4.3: the longest zero run (the first of equals) is "::", a single 0 stays.
        for (String[] c : new String[][] {{"0:0:0:0:0:0:0:1", "::1"}, {"0:0:0:0:0:0:0:0", "::"}, {"2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"}, {"fe80:0:0:0:0:0:0:0", "fe80::"},
                {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"}, {"192.0.2.1", "192.0.2.1"}}) {
            assertEquals(c[1], IpNetwork.text(InetAddress.getByName(c[0])), c[0]);
        }
    }

    @Test
    void refusesWhatIsNotANetwork() {
        for (String bad : new String[] {"mail.example", "10.1", "10.0.0.0/33", "::1/129", "10.0.0.0/x", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse(bad), bad);
            assertTrue(e.getMessage().contains("not an IP network"), e.getMessage());
        }
    }

    @Test
    void parseListTakesCommasAndWhiteSpaceAcrossEntriesAndNamesABadOne() {
        assertEquals(List.of(IpNetwork.parse("127.0.0.0/8"), IpNetwork.parse("::1"), IpNetwork.parse("192.0.2.1")),
                IpNetwork.parseList(" 127.0.0.0/8, ::1 ", "", "192.0.2.1"));
        assertEquals(List.of(), IpNetwork.parseList((String[]) null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpNetwork.parseList("10.0.0.0/8 mail.example"));
        assertTrue(e.getMessage().contains("mail.example"), e.getMessage());
    }
}
