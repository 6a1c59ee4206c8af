package org.carrier.filter.greylist.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The greylisting decisions and the state they rest on (RFC 6647: a temporary refusal of the first attempt of an
 * unknown (client network, sender, recipient) triplet; a real MTA retries, RFC 5321 §4.5.4.1, most spam software
 * does not). Thread-safe; the state is held in access order, so the least recently used entry is the one evicted
 * when the table is full.
 */
final class Greylist {

    /**
     * The timing rules, in seconds.
     *
     * @param delay          how long a new triplet is refused
     * @param retryWindow    how long after its first attempt a retry is still recognised
     * @param allowedExpiry  how long a passed triplet or a counted network is kept without traffic
     * @param autoAllowAfter after this many passed retries from one client network it is no longer greylisted; 0: never
     * @param maxEntries     the most entries kept
     */
    record Rules(long delay, long retryWindow, long allowedExpiry, int autoAllowAfter, int maxEntries) {
    }

    /** A decision: pass, or defer for {@code retryIn} more seconds. */
    record Decision(boolean passed, long retryIn, String reason) {
        static Decision pass(String reason) {
            return new Decision(true, 0, reason);
        }

        static Decision defer(long seconds, String reason) {
            return new Decision(false, Math.max(1, seconds), reason);
        }
    }

    private final Clock clock;
    private final LinkedHashMap<GreylistKey, GreylistEntry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private volatile Rules rules;
    private boolean changed;

    Greylist(Clock clock, Rules rules, Map<GreylistKey, GreylistEntry> initial) {
        this.clock = clock;
        this.rules = rules;
        entries.putAll(initial);
    }

    void rules(Rules newRules) {
        rules = newRules;
    }

    synchronized Decision check(String network, String sender, String recipient) {
        Rules r = rules;
        long now = clock.instant().getEpochSecond();
        GreylistKey networkKey = GreylistKey.network(network);
        GreylistEntry counted = live(networkKey, r, now);
        if (counted != null && r.autoAllowAfter() > 0 && counted.passes() >= r.autoAllowAfter()) {
            put(networkKey, counted.seenAt(now), r);
            return Decision.pass("client network allowed after " + counted.passes() + " passed retries");
        }
        GreylistKey key = GreylistKey.triplet(network, sender, recipient);
        GreylistEntry triplet = live(key, r, now);
        if (triplet == null) {
            put(key, new GreylistEntry(now, now, 0), r);
            return Decision.defer(r.delay(), "new triplet");
        }
        if (triplet.passes() > 0) {
            put(key, triplet.passedAt(now), r);
            return Decision.pass("known triplet");
        }
        long waited = now - triplet.firstSeen();
        if (waited < r.delay()) {
            return Decision.defer(r.delay() - waited, "retried too early, after " + waited + " s");
        }
        put(key, triplet.passedAt(now), r);
        put(networkKey, (counted == null ? new GreylistEntry(now, now, 0) : counted).passedAt(now), r);
        return Decision.pass("retried after " + waited + " s");
    }

    /** The entry, unless it has expired (then it is forgotten). */
    private GreylistEntry live(GreylistKey key, Rules r, long now) {
        GreylistEntry entry = entries.get(key);
        if (entry != null && expired(key, entry, r, now)) {
            entries.remove(key);
            changed = true;
            return null;
        }
        return entry;
    }

    private static boolean expired(GreylistKey key, GreylistEntry entry, Rules r, long now) {
        boolean waiting = !key.isNetwork() && entry.passes() == 0;
        return waiting ? now - entry.firstSeen() > r.retryWindow() : now - entry.lastSeen() > r.allowedExpiry();
    }

    private void put(GreylistKey key, GreylistEntry entry, Rules r) {
        entries.put(key, entry);
        changed = true;
        Iterator<GreylistKey> eldest = entries.keySet().iterator();
        for (int excess = entries.size() - r.maxEntries(); excess > 0; excess--) {
            eldest.next();
            eldest.remove();
        }
    }

    /** Forgets what has expired; returns how many entries went. */
    synchronized int expire() {
        Rules r = rules;
        long now = clock.instant().getEpochSecond();
        int before = entries.size();
        entries.entrySet().removeIf(e -> expired(e.getKey(), e.getValue(), r, now));
        changed |= entries.size() != before;
        return before - entries.size();
    }

    /**
     * A copy of the state, least recently used first, if it changed since the last one; {@code null} if not.
     */
    synchronized List<Map.Entry<GreylistKey, GreylistEntry>> changedSnapshot() {
        if (!changed) {
            return null;
        }
        changed = false;
        List<Map.Entry<GreylistKey, GreylistEntry>> copy = new ArrayList<>(entries.size());
        entries.forEach((k, v) -> copy.add(Map.entry(k, v)));
        return copy;
    }

    /** After a failed save: the next snapshot must be taken again. */
    synchronized void markChanged() {
        changed = true;
    }

    synchronized int size() {
        return entries.size();
    }
}
