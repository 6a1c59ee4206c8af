package org.carrier.cluster.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.carrier.api.cluster.FailureLog;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;

/**
 * Configuration shared by the nodes: a change made on this node (console, shell, REST, an edited file) is published,
 * a change made on another is applied here, and a node that was away catches up from the stored copies.
 * <p>
 * In the shared state: {@code config:copy:PID}, the last change of each configuration (encoded {@link ConfigChange});
 * {@code config:pid#N}, the PIDs that have a copy (N counted by {@code config:pids}: the state has no key listing);
 * {@code config:version}, the counter that orders every change; the channel {@code config}, each change as it is made.
 * A change is published under the lease {@code config:PID}, so the stored copy always holds the highest version.
 * <p>
 * No echo: this node remembers the content it last published or applied for each PID; a ConfigAdmin event with that
 * same content (its own apply coming back, FileInstall writing the file) is not a change. A change from this node's
 * own name is ignored, one older than the version known here too. Conflicts (two nodes changing one configuration
 * without knowing of each other) go to the higher version, the later writer; each of the two nodes logs one line.
 * Not thread-safe: the component calls it from one thread.
 */
final class ConfigSync {
    static final String CHANNEL = "config";
    static final String VERSION_KEY = "config:version";
    static final String COUNT_KEY = "config:pids";
    static final String SLOT_KEY = "config:pid#";
    static final String COPY_KEY = "config:copy:";
    /** The shared state puts only with a time to live: ten years stands for "kept". */
    static final Duration KEEP = Duration.ofDays(3650);
    private static final Duration LEASE = Duration.ofSeconds(5);
    /** After start, how long the old content of a configuration replaced from the cluster counts as stale, not new. */
    static final Duration STALE_WINDOW = Duration.ofSeconds(60);

    private final SharedState shared;
    private final LocalConfigs local;
    private final Clock clock;
    private final Consumer<String> info;
    private final Consumer<String> warn;
    private final FailureLog failures;
    private volatile SyncedPids pids;

    /** Per PID, the content this node knows to be the cluster's (published or applied here). */
    private final Map<String, String> inSync = new HashMap<>();
    /** Per PID, the last change known here. */
    private final Map<String, ConfigChange> latest = new HashMap<>();
    /** Changes made here that are not published yet (the shared state was away), in order. */
    private final Map<String, ConfigChange> pending = new LinkedHashMap<>();
    /** Per PID, the local content replaced at start by the cluster's, and until when a reload of it is stale. */
    private final Map<String, String> replacedAtStart = new HashMap<>();
    private Instant staleUntil = Instant.MIN;
    private final Set<String> conflictsLogged = new HashSet<>();

    ConfigSync(SharedState shared, LocalConfigs local, SyncedPids pids, Clock clock, Consumer<String> info, Consumer<String> warn) {
        this.shared = shared;
        this.local = local;
        this.pids = pids;
        this.clock = clock;
        this.info = info;
        this.warn = warn;
        this.failures = new FailureLog("configuration sync", warn);
    }

    void setPids(SyncedPids next) {
        pids = next;
    }

    /** How many local changes wait for the shared state. */
    int pendingCount() {
        return pending.size();
    }

    /** At start: the cluster's copies are applied here, then what only this node has is published. */
    void start() {
        catchUp(true);
    }

    /**
     * After the shared state was away (and now and then, since a published message can be missed): newer copies are
     * applied, this node's waiting changes published.
     */
    void resync() {
        catchUp(false);
    }

    private void catchUp(boolean atStart) {
        try {
            Set<String> stored = storedPids();
            for (String pid : stored) {
                if (pids.synced(pid)) {
                    storedCopy(pid).ifPresent(copy -> takeIfNewer(copy, atStart));
                }
            }
            if (atStart) {
                staleUntil = clock.instant().plus(STALE_WINDOW);
            }
            for (String pid : local.pids()) {
                if (pids.synced(pid) && !stored.contains(pid) && !pending.containsKey(pid)) {
                    republish(pid); // the cluster has not got it (new here, or Redis lost its data)
                }
            }
            failures.worked();
        } catch (SharedStateException e) {
            failures.failed(e, "changes made here stay in force here and are published when it is back");
        } catch (IOException e) {
            warn.accept("configuration sync: cannot read this node's configurations: " + e.getMessage());
        }
        flush();
    }

    private void takeIfNewer(ConfigChange copy, boolean atStart) {
        ConfigChange known = latest.get(copy.pid());
        if (known != null && known.version() >= copy.version()) {
            return;
        }
        ConfigChange mine = pending.get(copy.pid());
        if (mine != null && mine.fingerprint().equals(copy.fingerprint())) {
            pending.remove(copy.pid()); // the same settings there (after Redis lost its data, every node republishes)
            remember(copy);
            return;
        }
        if (mine != null) {
            // Changed here while the cluster was away, and there too: the later change wins.
            if (!copy.time().isAfter(mine.time())) {
                return; // flush() publishes ours, logging the conflict
            }
            pending.remove(copy.pid());
            conflict(copy, mine);
        }
        Map<String, Object> here = properties(copy.pid());
        String before = ConfigChange.fingerprint(here);
        if (before.equals(copy.fingerprint())) {
            remember(copy); // the same content already: nothing to apply
            return;
        }
        if (atStart) {
            replacedAtStart.put(copy.pid(), before);
        }
        apply(copy);
    }

    /** ConfigAdmin says {@code pid} changed or was deleted here. */
    void changedHere(String pid) {
        if (!pids.synced(pid)) {
            return;
        }
        Map<String, Object> props = properties(pid);
        String now = ConfigChange.fingerprint(props);
        if (now.equals(inSync.get(pid))) {
            return; // the content the cluster has: our own apply coming back, or a rewrite of the same settings
        }
        if (now.equals(replacedAtStart.get(pid)) && clock.instant().isBefore(staleUntil)) {
            // The old file loaded again after the start's catch-up replaced it: the cluster's copy stays.
            ConfigChange cluster = latest.get(pid);
            if (cluster != null) {
                info.accept("configuration " + pid + ": the content this node had before it caught up was loaded again; "
                        + "keeping the cluster's, " + cluster.describe());
                apply(cluster);
                return;
            }
        }
        replacedAtStart.remove(pid);
        ConfigChange known = latest.get(pid);
        String factory = props == null && known != null ? known.factoryPid() : factoryPid(pid);
        pending.put(pid, new ConfigChange(pid, factory, shared.nodeName(), 0, known == null ? 0 : known.version(),
                clock.instant(), props == null, props));
        inSync.put(pid, now);
        flush();
    }

    /**
     * Puts this node's copy of {@code pid} into the shared state, which has none: not a change (it keeps the time of
     * the change it came from), so a copy another node stored meanwhile is taken instead, without a conflict.
     */
    private void republish(String pid) {
        String lease = "config:" + pid;
        if (!shared.acquireLease(lease, LEASE)) {
            return; // another node is at it: the next catch-up looks again
        }
        try {
            Optional<ConfigChange> stored = storedCopy(pid);
            if (stored.isPresent()) {
                takeIfNewer(stored.get(), false);
                return;
            }
            Map<String, Object> props = properties(pid);
            if (props == null) {
                return;
            }
            ConfigChange known = latest.get(pid);
            ConfigChange copy = new ConfigChange(pid, factoryPid(pid), known == null ? shared.nodeName() : known.origin(), 0,
                    known == null ? 0 : known.version(), known == null ? clock.instant() : known.time(), false, props)
                    .withVersion(nextVersion());
            shared.put(SLOT_KEY + shared.increment(COUNT_KEY, 1, KEEP), pid, KEEP);
            String text = copy.encode();
            shared.put(COPY_KEY + pid, text, KEEP);
            remember(copy);
            shared.publish(CHANNEL, text);
        } finally {
            shared.releaseLease(lease);
        }
    }

    /** Publishes the waiting changes, oldest first; stops at the first failure (they wait for the next try). */
    void flush() {
        try {
            for (var it = pending.values().iterator(); it.hasNext(); ) {
                if (!publish(it.next())) {
                    return; // the lease is another node's for now: the next try
                }
                it.remove();
            }
            failures.worked();
        } catch (SharedStateException e) {
            failures.failed(e, pending.size() + " configuration change(s) made here stay in force here and are "
                    + "published when it is back");
        }
    }

    private boolean publish(ConfigChange change) {
        String lease = "config:" + change.pid();
        if (!shared.acquireLease(lease, LEASE)) {
            return false;
        }
        try {
            Optional<ConfigChange> stored = storedCopy(change.pid());
            ConfigChange known = latest.get(change.pid());
            long knownVersion = known == null ? 0 : known.version();
            ConfigChange other = stored.filter(o -> o.version() > knownVersion && !o.origin().equals(change.origin())).orElse(null);
            if (other != null && other.fingerprint().equals(change.fingerprint())) {
                remember(other); // the same settings made there too (after Redis lost its data, every node republishes)
                return true;
            }
            if (other != null && other.time().isAfter(change.time())) {
                conflict(other, change); // ours was held back by an outage and is the older one
                apply(other);
                return true;
            }
            ConfigChange out = change.withVersion(nextVersion());
            if (other != null) {
                conflict(out, other);
            }
            if (stored.isEmpty()) { // a PID new to the cluster (or a Redis that lost its data): listed for catch-ups
                shared.put(SLOT_KEY + shared.increment(COUNT_KEY, 1, KEEP), change.pid(), KEEP);
            }
            String text = out.encode();
            shared.put(COPY_KEY + change.pid(), text, KEEP);
            latest.put(change.pid(), out);
            shared.publish(CHANNEL, text);
            return true;
        } finally {
            shared.releaseLease(lease);
        }
    }

    /**
     * The next number of the cluster's counter, above every version known here: a Redis that restarted empty starts
     * the counter again at 1, and a change numbered below the ones the nodes know would be taken for an old one.
     */
    private long nextVersion() {
        long highest = latest.values().stream().mapToLong(ConfigChange::version).max().orElse(0);
        long next = shared.increment(VERSION_KEY, 1, KEEP);
        return next > highest ? next : shared.increment(VERSION_KEY, highest - next + 1, KEEP);
    }

    /** A message on the channel: another node's change. */
    void received(String message) {
        ConfigChange change;
        try {
            change = ConfigChange.decode(message);
        } catch (RuntimeException e) {
            warn.accept("configuration sync: ignoring a message on channel " + CHANNEL + " that is not a change: " + e.getMessage());
            return;
        }
        if (change.origin().equals(shared.nodeName()) || !pids.synced(change.pid())) {
            return; // our own, or one this node keeps for itself
        }
        ConfigChange known = latest.get(change.pid());
        if (known != null && known.version() >= change.version()) {
            if (known.origin().equals(shared.nodeName()) && change.version() > known.base()) {
                conflict(known, change); // made there while ours was being made here: ours is later
            }
            return;
        }
        ConfigChange mine = pending.remove(change.pid());
        if (mine != null && mine.fingerprint().equals(change.fingerprint())) {
            remember(change); // made there the same way: nothing to publish or apply
            return;
        }
        if (mine != null && !change.time().isAfter(mine.time())) {
            pending.put(change.pid(), mine); // ours is later: published at the next flush, and it wins
            return;
        }
        if (mine != null) {
            conflict(change, mine);
        } else if (known != null && known.origin().equals(shared.nodeName()) && change.base() < known.version()) {
            conflict(change, known);
        }
        apply(change);
    }

    private void apply(ConfigChange change) {
        remember(change);
        if (change.fingerprint().equals(ConfigChange.fingerprint(properties(change.pid())))) {
            return; // this node has these settings already
        }
        try {
            local.apply(change);
            info.accept("configuration " + change.pid() + ": applied " + change.describe());
        } catch (IOException | RuntimeException e) {
            warn.accept("configuration " + change.pid() + ": cannot apply " + change.describe() + ": " + e.getMessage()
                    + "; this node keeps its own");
        }
    }

    private void remember(ConfigChange change) {
        latest.put(change.pid(), change);
        inSync.put(change.pid(), change.fingerprint());
    }

    /** One line naming the PID, both nodes and both times, and which change is in force. */
    private void conflict(ConfigChange winner, ConfigChange loser) {
        if (!conflictsLogged.add(winner.pid() + ' ' + Math.min(winner.version(), loser.version()) + ' '
                + Math.max(winner.version(), loser.version()))) {
            return; // seen from both sides here (when publishing, then when the other's message came): one line
        }
        warn.accept("configuration " + winner.pid() + ": conflicting changes, " + winner.describe().replace(" (version 0)", "")
                + " and " + loser.describe().replace(" (version 0)", "") + "; the later, node " + winner.origin()
                + "'s, is in force on every node");
    }

    private Set<String> storedPids() {
        long count = shared.counters(List.of(COUNT_KEY)).get(0);
        Set<String> stored = new LinkedHashSet<>();
        for (long i = 1; i <= count; i++) {
            shared.get(SLOT_KEY + i).ifPresent(v -> stored.add(v.value()));
        }
        return stored;
    }

    private Optional<ConfigChange> storedCopy(String pid) {
        return shared.get(COPY_KEY + pid).flatMap(v -> {
            try {
                return Optional.of(ConfigChange.decode(v.value()));
            } catch (RuntimeException e) {
                warn.accept("configuration sync: the stored copy of " + pid + " is not a change (" + e.getMessage() + "); ignored");
                return Optional.empty();
            }
        });
    }

    private Map<String, Object> properties(String pid) {
        try {
            return local.properties(pid);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read configuration " + pid + ": " + e.getMessage(), e);
        }
    }

    private String factoryPid(String pid) {
        try {
            return local.factoryPid(pid);
        } catch (IOException e) {
            return null;
        }
    }
}
