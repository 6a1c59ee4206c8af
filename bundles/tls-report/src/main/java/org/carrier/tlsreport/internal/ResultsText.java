package org.carrier.tlsreport.internal;

import java.util.Comparator;
import java.util.Map;

/** {@code carrier:tlsrpt show}: the results not reported yet, one block per period, domain and policy. */
final class ResultsText {
    private ResultsText() {
    }

    static String show(Map<PolicyKey, PolicyTotals> counts) {
        if (counts.isEmpty()) {
            return "no TLS results waiting to be reported";
        }
        StringBuilder out = new StringBuilder();
        counts.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<PolicyKey, PolicyTotals> e) -> e.getKey().periodStart())
                        .thenComparing(e -> e.getKey().domain()).thenComparing(e -> e.getKey().type()))
                .forEach(e -> policy(out, e.getKey(), e.getValue()));
        return out.toString().stripTrailing();
    }

    private static void policy(StringBuilder out, PolicyKey key, PolicyTotals totals) {
        out.append(key.domain()).append("  since ").append(key.periodStart()).append("  ").append(key.type().wireName());
        if (!key.mxHosts().isEmpty()) {
            out.append("  mx ").append(String.join(",", key.mxHosts()));
        }
        out.append("  successful ").append(totals.successes()).append("  failed ").append(totals.failureCount()).append('\n');
        totals.failures().entrySet().stream()
                .sorted(Map.Entry.<FailureKey, Long>comparingByValue(Comparator.reverseOrder()))
                .forEach(f -> failure(out, f.getKey(), f.getValue()));
    }

    private static void failure(StringBuilder out, FailureKey key, long count) {
        out.append("    ").append(count).append(' ').append(key.type().wireName());
        if (key.receivingMx() != null) {
            out.append("  ").append(key.receivingMx());
            if (key.receivingIp() != null) {
                out.append('[').append(key.receivingIp()).append(']');
            }
        }
        if (key.sendingIp() != null) {
            out.append("  from ").append(key.sendingIp());
        }
        if (key.reason() != null) {
            out.append("  (").append(key.reason()).append(')');
        }
        out.append('\n');
    }
}
