package org.carrier.filter.dmarc.internal;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.carrier.api.filter.AuthResult;

/**
 * Why a failing message's DMARC policy was not applied: the local policy override of RFC 7489 §6.6.2 (in an
 * aggregate report, PolicyOverrideType {@code local_policy} of Appendix C, with this comment).
 *
 * @param type    the PolicyOverrideType, e.g. {@code local_policy}
 * @param comment what the override rests on, e.g. {@code arc=pass sealer=lists.example}
 */
record PolicyOverride(String type, String comment) {
    static final String LOCAL_POLICY = "local_policy";

    /**
     * RFC 8617 §7.2: a passing ARC chain whose latest ARC-Seal (the {@code header.d} of the DKIM filter's arc result,
     * the intermediary that handed the message here) was made by a trusted sealer: that domain, or one of its
     * subdomains. The latest sealer is the one whose ARC-Authentication-Results vouch for the earlier hops.
     */
    static Optional<PolicyOverride> trustedArc(List<AuthResult> results, List<String> trustedSealers) {
        if (trustedSealers.isEmpty()) {
            return Optional.empty();
        }
        return results.stream().filter(r -> r.method().equals("arc") && r.result().equals("pass"))
                .flatMap(r -> r.property("header.d").stream())
                .map(d -> d.toLowerCase(Locale.ROOT))
                .filter(d -> trustedSealers.stream().anyMatch(t -> d.equals(t) || d.endsWith("." + t)))
                .findFirst()
                .map(d -> new PolicyOverride(LOCAL_POLICY, "arc=pass sealer=" + d));
    }
}
