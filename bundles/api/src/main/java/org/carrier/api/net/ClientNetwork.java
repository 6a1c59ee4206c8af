package org.carrier.api.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The network failed logins are counted for (SMTP AUTH, the web console): an IPv4 address whole, an IPv6 address by
 * its /64, the smallest network a site is usually given (RFC 6177), so that rotating through one's own addresses does
 * not reset the count.
 */
public final class ClientNetwork {
    private ClientNetwork() {
    }

    /** {@code 192.0.2.7}, or {@code 2001:db8:0:1:0:0:0:0/64}. */
    public static String of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        try {
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, 8, 16, (byte) 0);
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
