package org.carrier.filter.dkim.internal;

/** The {@code g=} key tag of RFC 4871 §3.6.1 and RFC 4870 §3.2.3: a local-part pattern with at most one "*". */
final class Granularity {
    private Granularity() {
    }

    /** RFC 4871 §3.6.1: "*" matches any run of characters; an empty pattern matches no address at all. */
    static boolean matches(String pattern, String localPart) {
        if (pattern.isEmpty()) {
            return false;
        }
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(localPart);
        }
        String prefix = pattern.substring(0, star);
        String suffix = pattern.substring(star + 1);
        return localPart.length() >= prefix.length() + suffix.length()
                && localPart.startsWith(prefix) && localPart.endsWith(suffix);
    }
}
