package org.carrier.tlsreport.internal;

import java.util.Map;

/**
 * The counts of one {@link PolicyKey} at one moment: its {@code summary} and {@code failure-details} (RFC 8460 §4.4).
 *
 * @param successes {@code total-successful-session-count}
 * @param failures  {@code failed-session-count} by failure entry; their sum is {@code total-failure-session-count}
 */
record PolicyTotals(long successes, Map<FailureKey, Long> failures) {
    PolicyTotals {
        failures = Map.copyOf(failures);
    }

    /** The sum of two counts of one policy (this node's and the cluster's, for a look). */
    PolicyTotals plus(PolicyTotals other) {
        Map<FailureKey, Long> sum = new java.util.HashMap<>(failures);
        other.failures.forEach((key, n) -> sum.merge(key, n, Long::sum));
        return new PolicyTotals(successes + other.successes, sum);
    }

    long failureCount() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }
}
