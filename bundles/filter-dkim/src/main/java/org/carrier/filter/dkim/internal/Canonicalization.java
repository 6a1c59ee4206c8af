package org.carrier.filter.dkim.internal;

import java.io.OutputStream;
import java.util.Locale;

/**
 * The canonicalization algorithms of RFC 6376 §3.4 for header fields and bodies, and the "nofws" algorithm of
 * DomainKeys (RFC 4870 §3.4.2), which only the legacy verifier uses.
 */
enum Canonicalization {
    SIMPLE, RELAXED, NOFWS;

    /** The name as it appears in {@code c=}. */
    String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The algorithm named in a {@code c=} tag, or {@code null} if unknown. */
    static Canonicalization named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /**
     * One header field in canonical form, without the final CRLF.
     *
     * @param raw the field as it appears in the message ({@code Name: value}, folded lines with CRLF), without its final CRLF
     */
    String header(String raw) {
        return switch (this) {
            // RFC 6376 §3.4.1: no change at all.
            case SIMPLE -> raw;
            case RELAXED -> relaxedHeader(raw);
            // RFC 4870 §3.4.2: all white space removed, continuation lines unwrapped.
            case NOFWS -> raw.replaceAll("[ \t\r\n]", "");
        };
    }

    /**
     * RFC 6376 §3.4.2: name in lower case; value unfolded, runs of white space reduced to one space, white space
     * at its ends and around the colon removed.
     */
    private static String relaxedHeader(String raw) {
        int colon = raw.indexOf(':');
        String name = raw.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = raw.substring(colon + 1).replace("\r\n", "").replace("\n", "").replaceAll("[ \t]+", " ").strip();
        return name + ":" + value;
    }

    /** A canonicalizer of the body that writes the canonical form to {@code sink}. */
    BodyCanonicalizer body(OutputStream sink) {
        return new BodyCanonicalizer(this, sink);
    }
}
