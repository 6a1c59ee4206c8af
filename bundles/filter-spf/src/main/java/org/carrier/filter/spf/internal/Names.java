package org.carrier.filter.spf.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;

/** Domain names and address forms for SPF. */
final class Names {
    private Names() {
    }

    /**
     * A name to look up, or {@code null} when no DNS query can be made of it (empty or over-long labels: treated as
     * non-existent, RFC 7208 §4.3, §4.8). Over 253 characters, labels are removed from the left (RFC 7208 §7.3).
     */
    static String valid(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        while (n.length() > 253 && n.indexOf('.') >= 0) {
            n = n.substring(n.indexOf('.') + 1);
        }
        if (n.isEmpty() || n.length() > 253 || n.startsWith("[")) {
            return null;
        }
        for (String label : n.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return null;
            }
        }
        return n;
    }

    /** Whether {@code name} is {@code domain} or one of its subdomains, ignoring case and a trailing dot. */
    static boolean within(String name, String domain) {
        String n = strip(name).toLowerCase(Locale.ROOT);
        String d = strip(domain).toLowerCase(Locale.ROOT);
        return n.equals(d) || n.endsWith("." + d);
    }

    private static String strip(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** RFC 7208 §7.3 i: dotted quad, or 32 dot-separated nibbles for IPv6 (upper case, as the OpenSPF suite has it). */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        StringBuilder s = new StringBuilder();
        for (byte b : ip.getAddress()) {
            if (s.length() > 0) {
                s.append('.');
            }
            s.append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16))).append('.')
                    .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
        }
        return s.toString();
    }

    /** RFC 7208 §7.3 c: dotted quad, or the RFC 5952 text of an IPv6 address (lower case, longest zero run as ::). */
    static String readable(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }
}
