package org.carrier.api.report;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import org.carrier.api.cluster.FailureLog;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.cluster.SharedValue;

/**
 * A daily report's counts shared by the nodes of a cluster, so that each period and policy domain gets one report
 * with every node's counts, sent by one node. Each node keeps counting in its own memory (a message never waits for
 * Redis) and adds what it counted to the cluster's tally every few seconds ({@link #add}); when the reports are due,
 * the node that claims a tally first ({@link #send}) reads it whole, sends the report and marks it sent. Keys, under
 * the cluster's prefix, {@code KIND} being the reporter's ({@code dmarc}, {@code tlsrpt}):
 * <pre>
 * report:KIND:index:DATE                 hash: "PERIOD-START DOMAIN" to what the reporter keeps about it (DMARC: the policy)
 * report:KIND:tally:PERIOD-START:DOMAIN  hash: record to count
 * report:KIND:claim:PERIOD-START:DOMAIN  the claiming node's name for {@link #CLAIM}, then "sent by NODE at INSTANT"
 * report:KIND:flushed                    the moment of the last "send now", where every node's next period starts
 * </pre>
 * An addition is refused once the tally's claim exists (one atomic step, {@link SharedState#addToFields}), so what
 * the claiming node reads is final: a node's counts are either in that report or refused, and a refused node
 * reports them alone. A node that dies after claiming sends nothing; its claim expires after {@link #CLAIM} and a
 * node still waiting for the report to be marked sent claims and sends it then. Tallies, index entries and marks
 * expire after {@link #KEEP}. While Redis fails, the reporter counts and sends as a single node (logged at once,
 * then once a minute: {@link FailureLog}). Thread-safe where the reporter needs it: its worker thread runs the rounds,
 * a shell command may send at the same time.
 *
 * @param <P> the reporter's own form of one period's counts for one policy domain
 */
public final class ClusterTallies<P> {
    /** How long tallies, index entries and sent marks live: reports waiting for Redis are sent late, not never. */
    public static final Duration KEEP = Duration.ofDays(7);
    /** How long a node may take to send a claimed report before another may (a lease: it expires if the node dies). */
    public static final Duration CLAIM = Duration.ofMinutes(10);
    /** The most records one tally holds (a DMARC row, a TLS policy's failure entry): the bound of a single node's. */
    public static final int MAX_RECORDS = 100_000;
    private static final Duration FLUSH_KEEP = Duration.ofDays(2);
    private static final String SENT = "sent by ";

    /**
     * One period's counts for one policy domain.
     *
     * @param about  what the reporter keeps with the period besides counts (DMARC: the policy as last published),
     *               {@code ""} if nothing; the last node's to add wins
     * @param counts the count of each record, in the reporter's own text form of a record
     */
    public record Tally(Instant periodStart, String domain, String about, Map<String, Long> counts) {
        public Tally {
            counts = Map.copyOf(counts);
        }
    }

    /**
     * What a round of sending did.
     *
     * @param lines         the log lines of the reports sent
     * @param othersPending whether reports claimed by other nodes are not marked sent yet: call again later
     */
    private record Round(List<String> lines, boolean othersPending) {
    }

    /** What the tallies need of a reporter. */
    public interface Reporter<P> {
        /** Takes out everything this node counted, to be added to the cluster's tallies. */
        List<P> takeAll();

        /** Puts back what was not added: it is added later, or reported by this node alone when due. */
        void restore(List<P> kept);

        /** Another node's "send now" at {@code at}: this node's next counts go into a period starting there. */
        void adoptFlush(Instant at);

        /** A period's counts as a tally. */
        Tally tally(P period);

        /** Sends the report of a cluster's tally whose period ends at {@code before} at the latest; its log line. */
        String send(Tally tally, Instant before);
    }

    private final String kind;
    private final Clock clock;
    private final Reporter<P> reporter;
    private final FailureLog log;
    private final Consumer<String> warn;
    private final String consumer;
    /** Counts left out of full tallies since the last round was opened, for one line a day. */
    private long leftOut;
    /** While set: the cluster's reports of the periods before it are still to be sent (or seen sent) by a round. */
    private volatile Instant roundBefore;

    /**
     * @param kind     the reporter's part of the keys, e.g. {@code dmarc}
     * @param consumer what the log lines name, e.g. {@code dmarc-report}
     * @param warn     where they go
     */
    public ClusterTallies(String kind, Clock clock, Reporter<P> reporter, String consumer, Consumer<String> warn) {
        this.kind = kind;
        this.clock = clock;
        this.reporter = reporter;
        this.log = new FailureLog(consumer, warn);
        this.warn = warn;
        this.consumer = consumer;
    }

    /**
     * A round of the reporter's worker (every few seconds): takes another node's "send now" over, adds what this node
     * counted to the cluster's tallies, and sends the cluster's reports of an open round ({@link #openRound}).
     *
     * @return whether counts were added (the reporter then saves its state at once, so that after a crash it does not
     *         add them again)
     */
    public synchronized boolean share(SharedState shared) {
        try {
            flushedAt(shared).ifPresent(reporter::adoptFlush);
        } catch (SharedStateException e) {
            log.failed(e, "counting on this node; it sends what it counted alone");
            return false;
        }
        List<P> mine = reporter.takeAll();
        boolean added = !mine.isEmpty();
        if (added) {
            List<P> kept = addAll(shared, mine);
            reporter.restore(kept);
            added = kept.size() < mine.size();
        }
        round(shared);
        return added;
    }

    /**
     * The reports of the periods before {@code before} are due: the cluster's are sent by the next rounds (the first
     * now), until none is left unsent, also none claimed by another node; a node that died holding a claim is
     * replaced when its claim expires. Call before sending what this node kept alone.
     */
    public synchronized void openRound(SharedState shared, Instant before) {
        if (leftOut > 0) {
            warn.accept(consumer + ": " + leftOut + " counts were not added to the cluster's tallies: those had "
                    + MAX_RECORDS + " distinct records already");
            leftOut = 0;
        }
        roundBefore = before;
        round(shared);
    }

    private void round(SharedState shared) {
        Instant before = roundBefore;
        if (before == null) {
            return;
        }
        try {
            if (!send(shared, before, t -> reporter.send(t, before)).othersPending()) {
                roundBefore = null;
            }
            log.worked();
        } catch (SharedStateException e) {
            log.failed(e, "the cluster's reports wait in Redis; this node sends what it counted alone");
        }
    }

    /**
     * An operator's "send now" at {@code now}: every node's next period starts there; {@code mine} (what this node
     * counted) is added to the cluster's tallies and the cluster's reports of everything before {@code now} are sent.
     *
     * @param lines gets the log lines of the reports sent
     * @return what of {@code mine} was not added: this node sends it alone
     */
    public synchronized List<P> sendNow(SharedState shared, Instant now, List<P> mine, List<String> lines) {
        List<P> kept = mine;
        try {
            flushed(shared, now);
            kept = addAll(shared, mine); // what was added is the cluster's now, even if sending fails below
            lines.addAll(send(shared, now, t -> reporter.send(t, now)).lines());
            log.worked();
        } catch (SharedStateException e) {
            log.failed(e, "sending what this node counted alone");
        }
        return kept;
    }

    /**
     * The cluster's tallies not sent yet of the periods that started before {@code before}, for a look; empty with
     * a note (in {@code problem}) when they cannot be read.
     */
    public List<Tally> unsentOrNone(SharedState shared, Instant before, Consumer<String> problem) {
        try {
            return unsent(shared, before);
        } catch (SharedStateException e) {
            problem.accept(" (the cluster's counts cannot be read now: " + e.getMessage() + "; this node's alone)");
            return List.of();
        }
    }

    private List<P> addAll(SharedState shared, List<P> mine) {
        Map<Tally, P> byTally = new LinkedHashMap<>();
        mine.forEach(period -> byTally.put(reporter.tally(period), period));
        Added added = add(shared, List.copyOf(byTally.keySet()));
        if (added.failure() != null) {
            log.failed(added.failure(), "counting on this node; it sends what it counted alone");
        } else {
            log.worked();
        }
        return added.kept().stream().map(byTally::get).toList();
    }

    /**
     * Adds this node's tallies to the cluster's. Returns those not added: refused because their period's report was
     * claimed already (the node reports them alone), or not tried because the shared state failed ({@code failure}).
     */
    private Added add(SharedState shared, List<Tally> tallies) {
        List<Tally> kept = new ArrayList<>();
        SharedStateException failure = null;
        for (Tally t : tallies) {
            if (failure != null) {
                kept.add(t);
                continue;
            }
            try {
                String id = id(t.periodStart(), t.domain());
                // the index first: a tally that is in the cluster is always found (an entry without a tally is harmless)
                shared.putFields(indexKey(t.periodStart()), Map.of(indexField(t.periodStart(), t.domain()), t.about()), KEEP);
                long left = shared.addToFields(tallyKey(id), t.counts(), KEEP, claimKey(id), MAX_RECORDS);
                if (left < 0) {
                    kept.add(t);
                } else {
                    leftOut += left;
                }
            } catch (SharedStateException e) {
                failure = e;
                kept.add(t);
            }
        }
        return new Added(kept, failure);
    }

    /**
     * @param kept    the tallies not added, to keep counting on this node
     * @param failure why the rest was not tried, or {@code null}
     */
    private record Added(List<Tally> kept, SharedStateException failure) {
    }

    /**
     * Sends the cluster's reports of the periods that started before {@code before}: each tally whose claim this
     * node takes is read whole and handed to {@code send} (which sends the report and returns its log line), then
     * marked sent and removed.
     *
     * @throws SharedStateException when the shared state fails; what was not claimed yet waits in the cluster
     */
    private Round send(SharedState shared, Instant before, Function<Tally, String> send) {
        List<String> lines = new ArrayList<>();
        boolean pending = false;
        for (Map.Entry<String, Tally> e : unsent(shared, before, false).entrySet()) {
            Tally listed = e.getValue();
            String id = id(listed.periodStart(), listed.domain());
            String indexKey = indexKey(listed.periodStart());
            if (shared.putIfAbsent(claimKey(id), shared.nodeName(), CLAIM)) {
                Tally whole = new Tally(listed.periodStart(), listed.domain(), listed.about(), counts(shared, id));
                if (!whole.counts().isEmpty()) {
                    lines.add(send.apply(whole));
                }
                shared.put(claimKey(id), SENT + shared.nodeName() + " at " + clock.instant(), KEEP);
                shared.delete(tallyKey(id));
                shared.removeFields(indexKey, List.of(e.getKey()));
            } else {
                Optional<SharedValue> claim = shared.get(claimKey(id));
                if (claim.isPresent() && claim.get().value().startsWith(SENT)) {
                    shared.removeFields(indexKey, List.of(e.getKey())); // sent already; an entry added late
                } else {
                    pending = true; // another node sends it now, or died doing so and its claim expires
                }
            }
        }
        return new Round(lines, pending);
    }

    /**
     * The cluster's tallies not sent yet, of every period of the last {@link #KEEP} that started before
     * {@code before}, for a look ({@code show}).
     */
    private List<Tally> unsent(SharedState shared, Instant before) {
        return List.copyOf(unsent(shared, before, true).values());
    }

    private Map<String, Tally> unsent(SharedState shared, Instant before, boolean withCounts) {
        Map<String, Tally> found = new LinkedHashMap<>();
        LocalDate last = LocalDate.ofInstant(before, ZoneOffset.UTC);
        for (LocalDate day = last.minusDays(KEEP.toDays()); !day.isAfter(last); day = day.plusDays(1)) {
            Map<String, String> index = shared.fields(indexKey(day));
            for (Map.Entry<String, String> entry : index.entrySet()) {
                Optional<Tally> listed = listed(entry.getKey(), entry.getValue());
                if (listed.isPresent() && listed.get().periodStart().isBefore(before)) {
                    Tally t = listed.get();
                    found.put(entry.getKey(), withCounts
                            ? new Tally(t.periodStart(), t.domain(), t.about(), counts(shared, id(t.periodStart(), t.domain()))) : t);
                }
            }
        }
        return found;
    }

    /** An index entry; empty if it is not one this version wrote (left alone, it expires). */
    private static Optional<Tally> listed(String field, String about) {
        int space = field.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Tally(Instant.parse(field.substring(0, space)), field.substring(space + 1), about, Map.of()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private Map<String, Long> counts(SharedState shared, String id) {
        Map<String, Long> counts = new LinkedHashMap<>();
        shared.fields(tallyKey(id)).forEach((record, n) -> {
            try {
                counts.put(record, Long.parseLong(n));
            } catch (NumberFormatException e) {
                // not a count: not ours
            }
        });
        return counts;
    }

    /** Publishes an operator's "send now": every node's next period starts there ({@link #flushedAt}). */
    private void flushed(SharedState shared, Instant at) {
        shared.put("report:" + kind + ":flushed", at.toString(), FLUSH_KEEP);
    }

    /** The moment of the last "send now" on any node, if there was one lately. */
    private Optional<Instant> flushedAt(SharedState shared) {
        return shared.get("report:" + kind + ":flushed").flatMap(v -> {
            try {
                return Optional.of(Instant.parse(v.value()));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    private static String id(Instant periodStart, String domain) {
        return periodStart + ":" + domain;
    }

    private static String indexField(Instant periodStart, String domain) {
        return periodStart + " " + domain;
    }

    private String indexKey(Instant periodStart) {
        return indexKey(LocalDate.ofInstant(periodStart, ZoneOffset.UTC));
    }

    private String indexKey(LocalDate day) {
        return "report:" + kind + ":index:" + day;
    }

    private String tallyKey(String id) {
        return "report:" + kind + ":tally:" + id;
    }

    private String claimKey(String id) {
        return "report:" + kind + ":claim:" + id;
    }
}
