package org.carrier.filter.spf.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An address block: an address and a prefix length, as in the ip4, ip6, a and mx mechanisms (RFC 7208 §5.6). */
record Network(byte[] address, int prefix) {

    /** Whether {@code ip} is in this block; an IPv4 address is never in an IPv6 block nor the reverse (RFC 7208 §5). */
    boolean contains(InetAddress ip) {
        byte[] other = ip.getAddress();
        if (other.length != address.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (other[i] != address[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (other[full] & mask) == (address[full] & mask);
    }

    /**
     * A block written {@code address} or {@code address/prefix} (IPv4 or IPv6).
     *
     * @throws IllegalArgumentException if it is not one
     */
    static Network parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        // Only literal characters: InetAddress must never take this for a host name to look up.
        if (address.isEmpty() || !address.chars().allMatch(c -> c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        try {
            byte[] bytes = normalize(InetAddress.getByName(address)).getAddress();
            int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("prefix length out of range: " + text);
            }
            return new Network(bytes, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
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

    /** The 16 bytes of an IPv6 literal; Java turns an IPv4-mapped literal into an IPv4 address, which ip6 must not. */
    static byte[] ipv6Bytes(InetAddress literal) {
        if (literal instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(literal.getAddress(), 0, mapped, 12, 4);
            return mapped;
        }
        return literal.getAddress();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && prefix == n.prefix && Arrays.equals(address, n.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(address).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return Arrays.toString(address) + "/" + prefix;
        }
    }
}
