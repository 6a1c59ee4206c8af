package org.carrier.tlsreport.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsSessionResult;

/**
 * One {@code policies[]} entry of a report (RFC 8460 §4.4) within one reporting period: the policy domain, the
 * policy that applied and the MX hosts it covers.
 *
 * @param periodStart where the period the results fall in starts: 00:00 UTC of their day (RFC 8460 §4.1), or the
 *                    moment of an operator's "send now" within that day
 * @param domain      the policy domain ({@code policy-domain})
 * @param type        {@code policy-type}
 * @param strings     {@code policy-string}: TLSA records or the MTA-STS policy's lines
 * @param mxHosts     {@code mx-host}: the MX host of a TLSA policy, the {@code mx} patterns of an MTA-STS policy,
 *                    none without a policy
 */
record PolicyKey(Instant periodStart, String domain, TlsPolicyType type, List<String> strings, List<String> mxHosts) {
    PolicyKey {
        Objects.requireNonNull(periodStart, "periodStart");
        domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        Objects.requireNonNull(type, "type");
        strings = List.copyOf(strings);
        mxHosts = List.copyOf(mxHosts);
    }

    /** The entry a session result counts in. */
    static PolicyKey of(Instant periodStart, TlsSessionResult result) {
        return new PolicyKey(periodStart, result.policyDomain(), result.policyType(), result.policyStrings(),
                mxHosts(result));
    }

    /**
     * A TLSA policy is that of one MX host (its {@code _25._tcp.<host>} records, RFC 7672 §3.1); an MTA-STS policy
     * names its own {@code mx} patterns (RFC 8461 §3.2), which are what it applies to; no policy, no host list.
     */
    private static List<String> mxHosts(TlsSessionResult result) {
        return switch (result.policyType()) {
            case TLSA -> List.of(result.mxHost());
            case STS -> stsPatterns(result.policyStrings());
            case NO_POLICY_FOUND -> List.of();
        };
    }

    private static List<String> stsPatterns(List<String> policyLines) {
        List<String> patterns = new ArrayList<>();
        for (String line : policyLines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals("mx")) {
                patterns.add(line.substring(colon + 1).strip());
            }
        }
        return patterns;
    }
}
