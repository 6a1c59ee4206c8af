package org.carrier.filter.dmarc.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.dmarc.DmarcEvaluation;

/**
 * The evaluations not reported yet, counted per period (a UTC day, RFC 7489 §7.2.1.1, or what is left of it after a
 * "send now"), policy domain and row: the messages with the same source, From domain, disposition and
 * authentication results are one {@code record} with a {@code count} (Appendix C). Each period keeps the policy as
 * last published. Synchronized: an evaluation is a map update, the reporter's take a moment.
 */
final class DmarcCounts {
    /** Distinct rows kept; beyond, evaluations are not counted (and the loss logged once a day by the reporter). */
    static final int MAX_ROWS = 100_000;

    /** A report's key: which period, which policy domain. */
    record Period(Instant start, String domain) {
    }

    /** A {@code record} of the report: everything of an evaluation but the published policy. */
    record Row(String sourceIp, String headerFrom, String disposition, boolean dkimAligned, boolean spfAligned,
               List<DmarcEvaluation.Reason> reasons, List<DmarcEvaluation.Dkim> dkim, DmarcEvaluation.Spf spf) {
        static Row of(DmarcEvaluation e) {
            return new Row(e.sourceIp(), e.headerFrom(), e.disposition(), e.dkimAligned(), e.spfAligned(), e.reasons(),
                    e.dkim(), e.spf());
        }
    }

    /** One period's policy and rows. */
    static final class Entry {
        DmarcEvaluation.Published published;
        final Map<Row, Long> rows = new LinkedHashMap<>();

        Entry(DmarcEvaluation.Published published) {
            this.published = published;
        }
    }

    /** A period taken out to be reported. */
    record Taken(Period period, Instant end, DmarcEvaluation.Published published, Map<Row, Long> rows) {
    }

    private final Clock clock;
    private final Map<Period, Entry> entries = new LinkedHashMap<>();
    private int rowCount;
    private long dropped;
    private boolean changed;
    /** When reports were last sent on an operator's command: the current day's next period starts there. */
    private Instant flushedAt = Instant.EPOCH;

    DmarcCounts(Clock clock) {
        this.clock = clock;
    }

    /** Counts one evaluation; false when it could not be kept (too many rows). */
    synchronized boolean record(DmarcEvaluation evaluation) {
        Period period = new Period(periodStart(clock.instant()), evaluation.published().domain());
        Row row = Row.of(evaluation);
        Entry entry = entries.get(period);
        boolean newRow = entry == null || !entry.rows.containsKey(row);
        if (newRow && rowCount >= MAX_ROWS) {
            dropped++;
            return false;
        }
        if (entry == null) {
            entry = new Entry(evaluation.published());
            entries.put(period, entry);
        }
        entry.published = evaluation.published();
        entry.rows.merge(row, 1L, Long::sum);
        rowCount += newRow ? 1 : 0;
        changed = true;
        return true;
    }

    private Instant periodStart(Instant now) {
        Instant midnight = now.truncatedTo(ChronoUnit.DAYS);
        return flushedAt.isAfter(midnight) ? flushedAt : midnight;
    }

    /**
     * Takes out every period that started before {@code before}, oldest first. A period ends at the end of its UTC
     * day, or at {@code before} when that comes first.
     *
     * @param flush whether the current day's period ends now too (an operator's "send now")
     */
    synchronized List<Taken> take(Instant before, boolean flush) {
        List<Taken> taken = new ArrayList<>();
        entries.entrySet().removeIf(e -> {
            Period period = e.getKey();
            if (!period.start().isBefore(before)) {
                return false;
            }
            taken.add(new Taken(period, periodEnd(period.start(), before), e.getValue().published,
                    Map.copyOf(e.getValue().rows)));
            rowCount -= e.getValue().rows.size();
            return true;
        });
        if (flush) {
            flushedAt = before;
        }
        changed = true;
        taken.sort(Comparator.comparing((Taken t) -> t.period().start()).thenComparing(t -> t.period().domain()));
        return taken;
    }

    /** A period ends at the end of its UTC day, or at {@code before} (a "send now") when that comes first. */
    static Instant periodEnd(Instant start, Instant before) {
        Instant dayEnd = start.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
        return dayEnd.isBefore(before) ? dayEnd : before;
    }

    /** Another node's "send now" at {@code at}: this node's next evaluations count into a period starting there. */
    synchronized void adoptFlush(Instant at) {
        if (at.isAfter(flushedAt)) {
            flushedAt = at;
            changed = true;
        }
    }

    /** A copy of what is counted, to show or to save. */
    synchronized Map<Period, Entry> snapshot() {
        Map<Period, Entry> copy = new LinkedHashMap<>();
        entries.forEach((period, entry) -> {
            Entry e = new Entry(entry.published);
            e.rows.putAll(entry.rows);
            copy.put(period, e);
        });
        return copy;
    }

    synchronized Instant flushedAt() {
        return flushedAt;
    }

    /** Adds saved counts (after a restart). */
    synchronized void restore(Map<Period, Entry> saved, Instant savedFlushedAt) {
        saved.forEach((period, entry) -> {
            Entry mine = entries.computeIfAbsent(period, p -> new Entry(entry.published));
            entry.rows.forEach((row, count) -> {
                if (mine.rows.merge(row, count, Long::sum).equals(count)) {
                    rowCount++;
                }
            });
        });
        if (savedFlushedAt.isAfter(flushedAt)) {
            flushedAt = savedFlushedAt;
        }
    }

    /** Evaluations not counted since the last call, for the log. */
    synchronized long takeDropped() {
        long n = dropped;
        dropped = 0;
        return n;
    }

    /** Whether anything changed since the last call (the saver's test). */
    synchronized boolean changedSinceLastLook() {
        boolean was = changed;
        changed = false;
        return was;
    }

    synchronized void markChanged() {
        changed = true;
    }
}
