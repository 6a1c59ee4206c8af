package org.carrier.filter.dnsbl.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.carrier.api.net.IpNetwork;

/**
 * One configured DNS list: its zone, the return codes that count as "listed" and the weight a listing adds.
 * Written {@code zone[=codes][*weight]} as in Postfix's postscreen_dnsbl_sites, e.g.
 * {@code zen.spamhaus.org=127.0.0.2-127.0.0.11*2} or {@code bl.example=*}; codes are a comma separated list of
 * addresses and {@code low-high} ranges.
 */
record DnsblZone(String zone, List<CodeRange> codes, int weight) {
    /** RFC 5782 §2.3: list entries answer with an address in 127.0.0.0/8; anything else is not a listing. */
    private static final IpNetwork LOOPBACK_NET = IpNetwork.parse("127.0.0.0/8");

    /** An inclusive range of IPv4 return codes. */
    record CodeRange(long low, long high) {
        boolean contains(long code) {
            return code >= low && code <= high;
        }
    }

    DnsblZone {
        codes = List.copyOf(codes);
    }

    /** @throws IllegalArgumentException naming the entry and what is wrong with it */
    static DnsblZone parse(String entry) {
        String text = entry.trim();
        int star = text.lastIndexOf('*');
        int weight = 1;
        if (star > 0 && star < text.length() - 1 && text.substring(star + 1).matches("\\d{1,4}")) {
            weight = Integer.parseInt(text.substring(star + 1));
            text = text.substring(0, star);
        }
        int equals = text.indexOf('=');
        String zone = (equals < 0 ? text : text.substring(0, equals)).toLowerCase(Locale.ROOT);
        if (!zone.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+")) {
            throw new IllegalArgumentException("\"" + entry + "\": not a zone name: \"" + zone + "\"");
        }
        String codes = equals < 0 ? "*" : text.substring(equals + 1).trim();
        return new DnsblZone(zone, parseCodes(entry, codes), weight);
    }

    private static List<CodeRange> parseCodes(String entry, String codes) {
        if (codes.equals("*")) {
            return List.of();
        }
        List<CodeRange> ranges = new ArrayList<>();
        for (String part : codes.split(",")) {
            String[] bounds = part.trim().split("-", 2);
            long low = code(entry, bounds[0]);
            long high = bounds.length == 2 ? code(entry, bounds[1]) : low;
            if (high < low) {
                throw new IllegalArgumentException("\"" + entry + "\": empty range \"" + part.trim() + "\"");
            }
            ranges.add(new CodeRange(low, high));
        }
        return ranges;
    }

    private static long code(String entry, String text) {
        try {
            IpNetwork host = IpNetwork.parse(text);
            if (host.prefixLength() != 32) {
                throw new IllegalArgumentException("an IPv4 address is needed");
            }
            return toLong(host.address());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + entry + "\": not a return code: \"" + text.trim() + "\"");
        }
    }

    /** Whether this answer of the list's A lookup counts: one of the codes, or with {@code *} any 127.0.0.0/8 address. */
    boolean counts(InetAddress answer) {
        if (!(answer instanceof Inet4Address) || !LOOPBACK_NET.contains(answer)) {
            return false;
        }
        long code = toLong(answer);
        return codes.isEmpty() || codes.stream().anyMatch(r -> r.contains(code));
    }

    /**
     * The name to look up for a client (RFC 5782 §2.1 for IPv4: the octets reversed; §2.4 for IPv6: the 32 nibbles
     * reversed), followed by the zone.
     */
    String queryName(InetAddress client) {
        byte[] bytes = client.getAddress();
        StringBuilder name = new StringBuilder();
        for (int i = bytes.length - 1; i >= 0; i--) {
            int b = bytes[i] & 0xff;
            if (bytes.length == 4) {
                name.append(b).append('.');
            } else {
                name.append(Character.forDigit(b & 0xf, 16)).append('.').append(Character.forDigit(b >> 4, 16)).append('.');
            }
        }
        return name.append(zone).toString();
    }

    private static long toLong(InetAddress address) {
        long value = 0;
        for (byte b : address.getAddress()) {
            value = value << 8 | (b & 0xff);
        }
        return value;
    }
}
