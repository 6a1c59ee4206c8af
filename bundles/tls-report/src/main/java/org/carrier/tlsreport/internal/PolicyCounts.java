package org.carrier.tlsreport.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

import org.carrier.api.tls.TlsSessionResult;

/** The live counts of one {@link PolicyKey}: thread-safe, an add costs a map lookup and a {@link LongAdder} add. */
final class PolicyCounts {
    /**
     * Distinct failure entries kept per policy; beyond, failures count by their type alone, so that a peer with
     * ever-changing addresses or reasons cannot grow the state (and the report) without bound.
     */
    static final int MAX_FAILURE_DETAILS = 100;

    private final LongAdder successes = new LongAdder();
    private final ConcurrentMap<FailureKey, LongAdder> failures = new ConcurrentHashMap<>();

    void add(TlsSessionResult result) {
        if (result.successful()) {
            successes.increment();
        } else {
            failure(FailureKey.of(result)).increment();
        }
    }

    void add(PolicyTotals totals) {
        successes.add(totals.successes());
        totals.failures().forEach((key, count) -> failure(key).add(count));
    }

    private LongAdder failure(FailureKey key) {
        LongAdder counter = failures.get(key);
        if (counter != null) {
            return counter;
        }
        FailureKey kept = failures.size() < MAX_FAILURE_DETAILS ? key : key.typeOnly();
        return failures.computeIfAbsent(kept, k -> new LongAdder());
    }

    PolicyTotals totals() {
        Map<FailureKey, Long> snapshot = new HashMap<>();
        failures.forEach((key, count) -> snapshot.put(key, count.sum()));
        return new PolicyTotals(successes.sum(), snapshot);
    }
}
