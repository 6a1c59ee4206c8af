package org.carrier.filter.spf.internal;

/**
 * What check_host() found for one identity.
 *
 * @param result      the result
 * @param domain      the domain whose record decided (after include/redirect: the one with the matching term)
 * @param mechanism   the term that matched, {@code default} when none did, or {@code null} (none, errors)
 * @param explanation for {@link SpfResult#FAIL}: the domain's explanation (exp=, RFC 7208 §6.2) or the configured
 *                    default, macros expanded; otherwise {@code null}
 * @param problem     for errors and none: why, for the {@code problem} key of Received-SPF; otherwise {@code null}
 */
public record SpfOutcome(SpfResult result, String domain, String mechanism, String explanation, String problem) {

    static SpfOutcome none(String domain, String problem) {
        return new SpfOutcome(SpfResult.NONE, domain, null, null, problem);
    }

    static SpfOutcome error(SpfException e, String domain) {
        return new SpfOutcome(e.result(), domain, null, null, e.getMessage());
    }
}
