package org.carrier.filter.dkim.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.filter.AuthResult;

/**
 * The outcome for one signature.
 *
 * @param method     {@code dkim}, or {@code domainkeys} for a legacy DomainKey-Signature (RFC 8601 §2.7.1 lists both)
 * @param outcome    the result
 * @param reason     why, or {@code null} for a clean pass
 * @param domain     {@code d=} as far as it could be read, or {@code null}
 * @param selector   {@code s=}, or {@code null}
 * @param algorithm  {@code a=}, or {@code null}
 * @param bTag       the first 8 characters of {@code b=} (RFC 6008 header.b), or empty
 */
record Verification(String method, Outcome outcome, String reason, String domain, String selector, String algorithm,
                    String bTag) {

    static Verification of(String method, Outcome outcome, String reason, DkimSignature.Names names) {
        return new Verification(method, outcome, reason, names.domain(), names.selector(), names.algorithm(), names.bTag());
    }

    /** As reported in Authentication-Results (FILTERS.md conventions; RFC 6008 for header.b). */
    AuthResult toAuthResult() {
        List<String> properties = new ArrayList<>();
        add(properties, "header.d", domain);
        add(properties, "header.s", selector);
        add(properties, "header.a", algorithm);
        add(properties, "header.b", bTag);
        AuthResult result = new AuthResult(method, outcome.keyword(), null, properties);
        // Reasons may quote a folded tag of the message: one line, printable, for the header field.
        return reason == null ? result : result.withReason(reason.replaceAll("[\\r\\n\\t]+", " ").replaceAll("[^\\x20-\\x7e]", "?"));
    }

    private static void add(List<String> properties, String name, String value) {
        if (value != null && !value.isEmpty() && value.chars().allMatch(c -> c > 32 && c < 127)) {
            properties.add(name + "=" + value);
        }
    }
}
