package org.carrier.filter.dmarc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.message.MailAddress;

/**
 * The {@code rua} tag (RFC 7489 §6.3): a comma-separated list of URIs, each with an optional {@code !size} limit
 * (§6.2: a number with an optional unit k, m, g or t, powers of 1024; no unit is bytes). Aggregate reports are sent
 * by mail only (§7.2.1.1), so another scheme is named as not used; so is a URI that does not parse.
 */
record ReportAddresses(List<Destination> mailto, List<String> notUsed) {
    private static final Pattern SIZED = Pattern.compile("(?s)(.*)!([0-9]+)([kmgt]?)", Pattern.CASE_INSENSITIVE);

    /**
     * One {@code mailto:} destination.
     *
     * @param uri      as published, for the log
     * @param maxBytes the largest report it takes, or {@link Long#MAX_VALUE} without a limit
     */
    record Destination(String uri, MailAddress address, long maxBytes) {
    }

    static ReportAddresses parse(String rua) {
        List<Destination> mailto = new ArrayList<>();
        List<String> notUsed = new ArrayList<>();
        for (String raw : rua.split(",")) {
            String uri = raw.strip();
            if (uri.isEmpty()) {
                continue;
            }
            int colon = uri.indexOf(':');
            String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("mailto")) {
                notUsed.add(uri + " (" + (colon < 0 ? "not a URI" : "scheme " + scheme + ": not for aggregate reports, RFC 7489 §7.2.1.1") + ")");
                continue;
            }
            try {
                mailto.add(destination(uri, uri.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                notUsed.add(uri + " (" + e.getMessage() + ")");
            }
        }
        return new ReportAddresses(mailto, notUsed);
    }

    private static Destination destination(String uri, String rest) {
        long max = Long.MAX_VALUE;
        Matcher sized = SIZED.matcher(rest);
        if (sized.matches()) {
            rest = sized.group(1);
            max = size(sized.group(2), sized.group(3));
        }
        // a mailto: URI may carry ?headers (RFC 6068); only the address matters for a report
        int query = rest.indexOf('?');
        String address = percentDecoded(query < 0 ? rest : rest.substring(0, query));
        MailAddress parsed = MailAddress.parse(address);
        if (parsed.isNullSender()) {
            throw new IllegalArgumentException("no address");
        }
        return new Destination(uri, parsed, max);
    }

    private static long size(String digits, String unit) {
        int shift = switch (unit.toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(digits.length() > 15 ? "999999999999999" : digits);
        return n > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : n << shift;
    }

    private static String percentDecoded(String text) {
        return java.net.URLDecoder.decode(text.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }
}
