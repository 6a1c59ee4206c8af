package org.carrier.api.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

import org.carrier.api.config.ConfigLists;

/**
 * An IPv4 or IPv6 network in CIDR notation (RFC 4632 §3.1, RFC 4291 §2.3): {@code 192.0.2.0/24}, {@code 2001:db8::/32}.
 * The address is kept with its host bits cleared, so two spellings of one network are equal. An IPv6 address stays
 * IPv6 even when it is IPv4-mapped (RFC 4291 §2.5.5.2): its network holds no IPv4 address.
 *
 * @param address      the first address of the network
 * @param prefixLength the number of leading bits that name the network
 */
public record IpNetwork(InetAddress address, int prefixLength) {

    public IpNetwork {
        Objects.requireNonNull(address, "address");
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not within 0.." + bits);
        }
        address = masked(address, prefixLength);
    }

    /** The network of the given prefix length that holds {@code address}, e.g. the /24 of a client. */
    public static IpNetwork of(InetAddress address, int prefixLength) {
        return new IpNetwork(address, prefixLength);
    }

    /**
     * Parses {@code address/bits}; an address without {@code /bits} is a single host. Only IP literals are accepted,
     * never host names (no DNS lookup happens here).
     *
     * @throws IllegalArgumentException naming the text when it is not a network
     */
    public static IpNetwork parse(String text) {
        String entry = text.trim();
        int slash = entry.indexOf('/');
        String host = slash < 0 ? entry : entry.substring(0, slash);
        boolean v6 = host.contains(":");
        // A dotted IPv4 literal has exactly four parts; InetAddress would also take legacy forms like "10.1".
        if (!(v6 ? host.matches("[0-9a-fA-F:.]+") : host.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            throw new IllegalArgumentException("not an IP network: " + text);
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            int bits = slash < 0 ? address.getAddress().length * 8 : Integer.parseInt(entry.substring(slash + 1));
            return new IpNetwork(address, bits);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not an IP network: " + text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP network: " + text + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Parses networks separated by commas or white space, in any number of entries (a configuration's array, or
     * one string); empty entries are skipped.
     *
     * @throws IllegalArgumentException naming the first entry that is not a network
     */
    public static List<IpNetwork> parseList(String... entries) {
        return ConfigLists.spaced(entries).stream().map(IpNetwork::parse).toList();
    }

    /** Whether {@code candidate} lies in this network; an address of the other family never does. */
    public boolean contains(InetAddress candidate) {
        return candidate.getAddress().length == address.getAddress().length
                && masked(candidate, prefixLength).equals(address);
    }

    private static InetAddress masked(InetAddress address, int bits) {
        byte[] bytes = address.getAddress();
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            bytes[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            // InetAddress.getByAddress would turn 16 IPv4-mapped bytes into an IPv4 address, changing the family.
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
        }
    }

    /** {@code address/bits}, the form {@link #parse} reads, the address written as {@link #text} does. */
    @Override
    public String toString() {
        return text(address) + "/" + prefixLength;
    }

    /**
     * An address in its usual short form: dotted IPv4, or IPv6 as RFC 5952 §4 recommends (lower case, no leading
     * zeros, the longest run of two or more zero groups, the first of equals, written {@code ::}), e.g. {@code ::1}
     * rather than Java's {@code 0:0:0:0:0:0:0:1}.
     */
    public static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0, run = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
            run = groups[i] == 0 ? run + 1 : 0;
            if (run > bestLength) {
                bestLength = run;
                bestStart = i - run + 1;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
            } else {
                text.append(text.isEmpty() || text.charAt(text.length() - 1) == ':' ? "" : ":").append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }
}
