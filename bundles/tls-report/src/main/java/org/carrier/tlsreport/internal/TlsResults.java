package org.carrier.tlsreport.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.carrier.api.tls.TlsSessionResult;

/**
 * The TLS session results not reported yet, counted in memory per reporting period, policy domain and policy
 * (RFC 8460 §4.4). Recording is cheap and never waits for I/O: a read lock that only {@link #take} holds exclusively,
 * for the moment it takes a map's entries out, so that no result counts into a period already taken.
 */
final class TlsResults {
    /** Distinct (period, domain, policy) entries kept; beyond, results are counted only in the metrics. */
    static final int MAX_POLICIES = 10_000;

    private final Clock clock;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentMap<PolicyKey, PolicyCounts> counts = new ConcurrentHashMap<>();
    private final AtomicBoolean changed = new AtomicBoolean();
    /** When reports were last sent on an operator's command: the current day's next period starts there. */
    private volatile Instant flushedAt = Instant.EPOCH;

    TlsResults(Clock clock) {
        this.clock = clock;
    }

    /** Counts one result; false when it could not be kept (too many entries). */
    boolean record(TlsSessionResult result) {
        lock.readLock().lock();
        try {
            PolicyKey key = PolicyKey.of(periodStart(clock.instant()), result);
            PolicyCounts policy = counts.get(key);
            if (policy == null) {
                if (counts.size() >= MAX_POLICIES) {
                    return false;
                }
                policy = counts.computeIfAbsent(key, k -> new PolicyCounts());
            }
            policy.add(result);
            changed.set(true);
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** 00:00 UTC of the day (RFC 8460 §4.1), or a later "send now" of that day. */
    private Instant periodStart(Instant now) {
        Instant midnight = now.truncatedTo(ChronoUnit.DAYS);
        Instant flushed = flushedAt;
        return flushed.isAfter(midnight) ? flushed : midnight;
    }

    /**
     * Takes out every period that started before {@code before}, grouped into one report's worth each (a policy
     * domain and a period, RFC 8460 §4.1), oldest first. A period ends at the end of its UTC day, or at
     * {@code before} when that comes first.
     *
     * @param flush whether the current day's period ends now too (an operator's "send now"): results from now on
     *              count into a new period starting at {@code before}
     */
    List<Period> take(Instant before, boolean flush) {
        Map<PolicyKey, PolicyTotals> taken = new LinkedHashMap<>();
        lock.writeLock().lock();
        try {
            for (Map.Entry<PolicyKey, PolicyCounts> e : counts.entrySet()) {
                if (e.getKey().periodStart().isBefore(before)) {
                    taken.put(e.getKey(), e.getValue().totals());
                }
            }
            taken.keySet().forEach(counts::remove);
            if (flush) {
                flushedAt = before;
            }
            changed.set(true);
        } finally {
            lock.writeLock().unlock();
        }
        return periods(taken, before);
    }

    private static List<Period> periods(Map<PolicyKey, PolicyTotals> taken, Instant before) {
        Map<String, Map<PolicyKey, PolicyTotals>> byPeriod = new TreeMap<>();
        taken.forEach((key, totals) -> byPeriod.computeIfAbsent(key.periodStart() + " " + key.domain(),
                k -> new LinkedHashMap<>()).put(key, totals));
        List<Period> periods = new ArrayList<>();
        for (Map<PolicyKey, PolicyTotals> policies : byPeriod.values()) {
            PolicyKey first = policies.keySet().iterator().next();
            periods.add(new Period(first.domain(), first.periodStart(), periodEnd(first.periodStart(), before), policies));
        }
        periods.sort(Comparator.comparing(Period::start).thenComparing(Period::domain));
        return periods;
    }

    /** A period ends at the end of its UTC day, or at {@code before} (a "send now") when that comes first. */
    static Instant periodEnd(Instant start, Instant before) {
        Instant dayEnd = start.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
        return dayEnd.isBefore(before) ? dayEnd : before;
    }

    /** Another node's "send now" at {@code at}: this node's next results count into a period starting there. */
    void adoptFlush(Instant at) {
        lock.writeLock().lock();
        try {
            if (at.isAfter(flushedAt)) {
                flushedAt = at;
                changed.set(true);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** What is counted now, for a look ({@code carrier:tlsrpt show}) or to be saved. */
    Map<PolicyKey, PolicyTotals> snapshot() {
        Map<PolicyKey, PolicyTotals> snapshot = new LinkedHashMap<>();
        counts.forEach((key, policy) -> snapshot.put(key, policy.totals()));
        return snapshot;
    }

    Instant flushedAt() {
        return flushedAt;
    }

    /** Adds saved counts (after a restart). */
    void restore(Map<PolicyKey, PolicyTotals> saved, Instant savedFlushedAt) {
        lock.writeLock().lock();
        try {
            saved.forEach((key, totals) -> counts.computeIfAbsent(key, k -> new PolicyCounts()).add(totals));
            if (savedFlushedAt.isAfter(flushedAt)) {
                flushedAt = savedFlushedAt;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether anything changed since the last call (the saver's test). */
    boolean changedSinceLastLook() {
        return changed.getAndSet(false);
    }

    /** Marks the counts changed again (a save that failed). */
    void markChanged() {
        changed.set(true);
    }

    /**
     * One report's worth: a policy domain's results over one period.
     *
     * @param end exclusive
     */
    record Period(String domain, Instant start, Instant end, Map<PolicyKey, PolicyTotals> policies) {
        long successes() {
            return policies.values().stream().mapToLong(PolicyTotals::successes).sum();
        }

        long failures() {
            return policies.values().stream().mapToLong(PolicyTotals::failureCount).sum();
        }
    }
}
