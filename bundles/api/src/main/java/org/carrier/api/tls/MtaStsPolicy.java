package org.carrier.api.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A domain's MTA-STS policy as fetched and cached (RFC 8461 §3.2).
 *
 * @param domain  the policy domain (the recipient domain), lower case
 * @param id      the {@code id} of the {@code _mta-sts} TXT record the policy was fetched for (RFC 8461 §3.1)
 * @param mode    the policy's mode
 * @param mx      the {@code mx} patterns, in order: host names, or {@code *.} followed by a domain
 * @param maxAge  how long the policy may be cached ({@code max_age}, at most 31557600 s)
 * @param fetched when the policy was fetched (or last confirmed unchanged)
 */
public record MtaStsPolicy(String domain, String id, MtaStsMode mode, List<String> mx, Duration maxAge,
                           Instant fetched) {
    public MtaStsPolicy {
        domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(fetched, "fetched");
    }

    /**
     * Whether an MX host is one the policy allows (RFC 8461 §4.1): equal to a pattern, or matched by a {@code *.}
     * pattern whose wildcard stands for exactly one leftmost label. Case and a trailing dot do not matter.
     */
    public boolean allows(String mxHost) {
        String host = normalized(mxHost);
        for (String pattern : mx) {
            String p = normalized(pattern);
            if (p.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(p.substring(2))) {
                    return true;
                }
            } else if (p.equals(host)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the cached policy is past its {@code max_age} at {@code now} (RFC 8461 §5.1). */
    public boolean expiredAt(Instant now) {
        return fetched.plus(maxAge).isBefore(now);
    }

    /** The policy's lines as TLS-RPT reports them in {@code policy-string} (RFC 8460 §4.4). */
    public List<String> policyStrings() {
        List<String> lines = new ArrayList<>();
        lines.add("version: STSv1");
        lines.add("mode: " + mode.wireName());
        for (String pattern : mx) {
            lines.add("mx: " + pattern);
        }
        lines.add("max_age: " + maxAge.toSeconds());
        return lines;
    }

    private static String normalized(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
