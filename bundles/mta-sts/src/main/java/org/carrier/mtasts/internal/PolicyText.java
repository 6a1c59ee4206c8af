package org.carrier.mtasts.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.carrier.api.text.Printable;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicy;

/**
 * The policy file {@code /.well-known/mta-sts.txt} (RFC 8461 §3.2): lines of {@code key: value}, CRLF or LF
 * separated, with {@code version: STSv1}, a {@code mode}, a {@code max_age} and, unless the mode is {@code none},
 * one or more {@code mx} patterns. Unknown keys are ignored and a repeated key other than {@code mx} counts once
 * (§3.2), so that a later version's additions do not invalidate a policy.
 */
final class PolicyText {
    /** §3.2: {@code max_age} is at most 31557600 (about 1 year). */
    static final long MAX_AGE_LIMIT = 31_557_600;
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    /** §3.2 {@code sts-policy-mx-value}: a host name, or {@code *.} and a domain (one leftmost label). */
    private static final Pattern MX = Pattern.compile(
            "(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    private PolicyText() {
    }

    /** A policy file that is not as §3.2 writes it: the domain has no policy. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /** The first value of each key, and every {@code mx}, in order. */
    record Fields(Map<String, String> first, List<String> mx) {
    }

    static Fields fields(String text) throws Invalid {
        Map<String, String> first = new LinkedHashMap<>();
        List<String> mx = new ArrayList<>();
        int number = 0;
        for (String line : text.split("\r?\n", -1)) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            String key = colon < 0 ? line : line.substring(0, colon);
            if (colon < 0 || !KEY.matcher(key).matches()) {
                throw new Invalid("line " + number + " is not \"key: value\": \"" + Printable.ascii(line) + "\"");
            }
            // §3.2 sts-policy-field-delim = ":" *WSP; trailing white space is no part of a value either
            String value = line.substring(colon + 1).strip();
            if (key.equals("mx")) {
                mx.add(value);
            } else {
                first.putIfAbsent(key, value);
            }
        }
        return new Fields(first, mx);
    }

    /**
     * The policy {@code text} gives, fetched for {@code domain} at {@code fetched} after the TXT {@code id}.
     *
     * @throws Invalid naming what is wrong
     */
    static MtaStsPolicy parse(String domain, String id, Instant fetched, String text) throws Invalid {
        Fields fields = fields(text);
        String version = fields.first().get("version");
        if (!"STSv1".equals(version)) {
            throw new Invalid(version == null ? "no version" : "version \"" + Printable.ascii(version) + "\" is not STSv1");
        }
        String modeText = fields.first().get("mode");
        MtaStsMode mode = MtaStsMode.parse(modeText == null ? "" : modeText).orElseThrow(() -> new Invalid(
                modeText == null ? "no mode" : "mode \"" + Printable.ascii(modeText) + "\" is not enforce, testing or none"));
        String maxAge = fields.first().get("max_age");
        if (maxAge == null || !MAX_AGE.matcher(maxAge).matches() || Long.parseLong(maxAge) > MAX_AGE_LIMIT) {
            throw new Invalid(maxAge == null ? "no max_age"
                    : "max_age \"" + Printable.ascii(maxAge) + "\" is not a number of seconds up to " + MAX_AGE_LIMIT);
        }
        for (String pattern : fields.mx()) {
            if (!MX.matcher(pattern).matches() || pattern.length() > 255) {
                throw new Invalid("mx \"" + Printable.ascii(pattern) + "\" is not a host name or *. and a domain");
            }
        }
        if (fields.mx().isEmpty() && mode != MtaStsMode.NONE) {
            throw new Invalid("no mx in a policy of mode " + mode.wireName());
        }
        return new MtaStsPolicy(domain, id, mode, fields.mx(), Duration.ofSeconds(Long.parseLong(maxAge)), fetched);
    }
}
