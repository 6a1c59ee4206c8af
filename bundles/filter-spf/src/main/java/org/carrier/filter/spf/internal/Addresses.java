package org.carrier.filter.spf.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** The address rules of SPF around IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2); networks are IpNetwork. */
final class Addresses {

    private Addresses() {
    }

    /**
     * The client address as SPF sees it: an IPv4-mapped IPv6 address is the IPv4 address (RFC 7208 §5: "MUST still be
     * considered an IPv4 address").
     */
    static InetAddress normalize(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (ip instanceof Inet6Address && isMapped(b)) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return ip;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** An IPv6 literal as IPv6; Java turns an IPv4-mapped literal into an IPv4 address, which an ip6 network must not be. */
    static Inet6Address ipv6(InetAddress literal) {
        if (literal instanceof Inet6Address v6) {
            return v6;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(literal.getAddress(), 0, mapped, 12, 4);
        try {
            return Inet6Address.getByAddress(null, mapped, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
