package org.carrier.filter.spf.internal;

import java.util.Locale;

/** The results of check_host() (RFC 7208 §2.6), by their keywords in Received-SPF and Authentication-Results. */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The keyword, e.g. {@code softfail} (RFC 7208 §9.1, RFC 8601 §2.7.2). */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** RFC 7208 §4.6.2: the result a qualifier gives when its mechanism matches; "+" is the default. */
    static SpfResult ofQualifier(char qualifier) {
        return switch (qualifier) {
            case '-' -> FAIL;
            case '~' -> SOFTFAIL;
            case '?' -> NEUTRAL;
            default -> PASS;
        };
    }
}
