package org.carrier.filter.dkim.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The domain of the first address in a From field value (RFC 5322 §3.6.2), in lower case. */
final class FromDomain {
    private static final Pattern ANGLE = Pattern.compile("<[^<>@]*@([^<>\\s]+)>");
    private static final Pattern BARE = Pattern.compile("[^\\s<>\"@,;:]+@([A-Za-z0-9.-]+)");

    private FromDomain() {
    }

    static Optional<String> of(String value) {
        Matcher angle = ANGLE.matcher(value);
        Matcher m = angle.find() ? angle : BARE.matcher(value);
        if (m == angle || m.find()) {
            return Optional.of(m.group(1).toLowerCase(Locale.ROOT).replaceAll("\\.$", ""));
        }
        return Optional.empty();
    }
}
