package org.carrier.api.filter;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one message authentication method, as reported in an {@code Authentication-Results}
 * header field (RFC 8601 §2.2): e.g. {@code spf=pass smtp.mailfrom=example.com} or
 * {@code dkim=fail reason="bad signature" header.d=example.com header.s=sel}.
 * <p>
 * A filter attaches it to its {@link FilterResult}; the SMTP server gathers the results of a transaction into
 * one {@code Authentication-Results} field named after the receiving host, and shows them to later filters
 * through {@link MessageView#authResults()} (a DMARC filter reads the SPF and DKIM results there).
 *
 * @param method     the method, lower case: {@code spf}, {@code dkim}, {@code dmarc}, {@code iprev}, ...
 * @param result     the result keyword of the method, lower case: {@code pass}, {@code fail}, {@code none}, ...
 * @param reason     a human-readable reason, or {@code null}
 * @param properties {@code ptype.property=value} items in order, e.g. {@code smtp.mailfrom=example.com},
 *                   {@code header.d=example.com}, {@code header.from=example.com}
 */
public record AuthResult(String method, String result, String reason, List<String> properties) {

    public AuthResult {
        requireToken(method, "method");
        requireToken(result, "result");
        properties = List.copyOf(properties);
        for (String p : properties) {
            int eq = p.indexOf('=');
            if (eq < 1 || p.indexOf('.') < 1 || p.indexOf('.') > eq || containsLineBreak(p)) {
                throw new IllegalArgumentException("not a ptype.property=value item: " + p);
            }
        }
        if (reason != null && containsLineBreak(reason)) {
            throw new IllegalArgumentException("line break in reason");
        }
    }

    /** A result without a reason. */
    public static AuthResult of(String method, String result, String... properties) {
        return new AuthResult(method, result, null, List.of(properties));
    }

    /** This result with a reason. */
    public AuthResult withReason(String text) {
        return new AuthResult(method, result, text, properties);
    }

    /** The value of a property such as {@code header.d}, if present (the first one). */
    public Optional<String> property(String name) {
        String prefix = name + "=";
        return properties.stream().filter(p -> p.startsWith(prefix)).map(p -> p.substring(prefix.length())).findFirst();
    }

    /** The {@code resinfo} text of RFC 8601 §2.2, e.g. {@code spf=pass smtp.mailfrom=example.com}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(method).append('=').append(result);
        if (reason != null) {
            s.append(" reason=\"").append(reason.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        for (String p : properties) {
            s.append(' ').append(quoteValueIfNeeded(p));
        }
        return s.toString();
    }

    /** RFC 8601 §2.2: a property value is a value (RFC 2045 token or quoted-string) or an address/domain. */
    private static String quoteValueIfNeeded(String item) {
        int eq = item.indexOf('=');
        String value = item.substring(eq + 1);
        boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > 32 && c < 127 && "()<>,;:\\\"[]?=".indexOf(c) < 0);
        return plain ? item : item.substring(0, eq + 1) + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static void requireToken(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
            throw new IllegalArgumentException(what + " must be a lower-case keyword: " + value);
        }
    }

    private static boolean containsLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }
}
