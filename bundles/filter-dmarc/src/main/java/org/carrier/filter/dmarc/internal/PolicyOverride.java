package org.carrier.filter.dmarc.internal;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.filter.AuthResult;

/**
 * Why a failing message's DMARC policy was not applied: the local policy override of RFC 7489 §6.6.2, as the
 * aggregate report's PolicyOverrideReason (Appendix C) so the filter's log, its Authentication-Results and the
 * report all say the same.
 */
final class PolicyOverride {
    static final String LOCAL_POLICY = "local_policy";

    private PolicyOverride() {
    }

    /**
     * RFC 8617 §7.2: a passing ARC chain whose latest ARC-Seal (the {@code header.d} of the DKIM filter's arc result,
     * the intermediary that handed the message here) was made by a trusted sealer: that domain, or one of its
     * subdomains. The latest sealer is the one whose ARC-Authentication-Results vouch for the earlier hops.
     * The comment names it as the seal's d= tag: {@code arc=pass as.d=lists.example}.
     */
    static Optional<DmarcEvaluation.Reason> trustedArc(List<AuthResult> results, List<String> trustedSealers) {
        if (trustedSealers.isEmpty()) {
            return Optional.empty();
        }
        return results.stream().filter(r -> r.method().equals("arc") && r.result().equals("pass"))
                .flatMap(r -> r.property("header.d").stream())
                .map(d -> d.toLowerCase(Locale.ROOT))
                .filter(d -> trustedSealers.stream().anyMatch(t -> d.equals(t) || d.endsWith("." + t)))
                .findFirst()
                .map(d -> new DmarcEvaluation.Reason(LOCAL_POLICY, "arc=pass as.d=" + d));
    }
}
