package org.carrier.filter.dkim.internal;

import java.util.Locale;

/** The result of verifying one signature, as named in Authentication-Results (RFC 8601 §2.7.1). */
enum Outcome {
    PASS, FAIL, TEMPERROR, PERMERROR, NONE;

    /** The result keyword, e.g. {@code pass}. */
    String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
