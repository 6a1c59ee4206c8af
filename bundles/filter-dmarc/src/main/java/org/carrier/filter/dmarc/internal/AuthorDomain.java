package org.carrier.filter.dmarc.internal;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.message.HeaderField;

/** The RFC5322.From domain DMARC evaluates (RFC 7489 §6.6.1): exactly one From field naming exactly one domain. */
final class AuthorDomain {
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern COMMENT = Pattern.compile("\\((?:[^()\\\\]|\\\\.)*\\)");
    private static final Pattern DOMAIN = Pattern.compile("@\\s*\\[?([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])\\.?\\]?\\s*(?=[>,;]|$)");

    private AuthorDomain() {
    }

    /** The domain, in lower case. */
    static String of(List<HeaderField> headers) throws InvalidAuthor {
        List<HeaderField> from = headers.stream().filter(h -> h.name().equalsIgnoreCase("from")).toList();
        if (from.size() != 1) {
            throw new InvalidAuthor(from.isEmpty() ? "no From field" : from.size() + " From fields");
        }
        // Display names and comments may hold '@'; drop them before looking for addresses.
        String value = COMMENT.matcher(QUOTED.matcher(from.get(0).value()).replaceAll("\"\"")).replaceAll(" ");
        Set<String> domains = new TreeSet<>();
        for (String address : value.split(",")) {
            Matcher m = DOMAIN.matcher(address.strip());
            if (m.find()) {
                domains.add(m.group(1).toLowerCase(Locale.ROOT));
            } else if (!address.isBlank() && !address.strip().endsWith(":;")) {
                throw new InvalidAuthor("no domain in From: " + from.get(0).value());
            }
        }
        if (domains.size() != 1) {
            throw new InvalidAuthor(domains.isEmpty() ? "no address in From" : "From has several domains: " + domains);
        }
        return domains.iterator().next();
    }

    /** The From field cannot be evaluated: DMARC's permerror. */
    static final class InvalidAuthor extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidAuthor(String message) {
            super(message);
        }
    }
}
