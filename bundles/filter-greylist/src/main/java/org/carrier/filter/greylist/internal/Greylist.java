package org.carrier.filter.greylist.internal;

import java.time.Clock;

/**
 * The greylisting decisions (RFC 6647: a temporary refusal of the first attempt of an unknown (client network,
 * sender, recipient) triplet; a real MTA retries, RFC 5321 §4.5.4.1, most spam software does not), made on the
 * entries of a {@link GreylistEntries}: this node's memory or the cluster's shared state, by the same rules.
 */
final class Greylist {

    /**
     * The timing rules, in seconds.
     *
     * @param delay          how long a new triplet is refused
     * @param retryWindow    how long after its first attempt a retry is still recognised
     * @param allowedExpiry  how long a passed triplet or a counted network is kept without traffic
     * @param autoAllowAfter after this many passed retries from one client network it is no longer greylisted; 0: never
     * @param maxEntries     the most entries kept in memory
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
    private volatile Rules rules;

    Greylist(Clock clock, Rules rules) {
        this.clock = clock;
        this.rules = rules;
    }

    void rules(Rules newRules) {
        rules = newRules;
    }

    Rules rules() {
        return rules;
    }

    Decision check(GreylistEntries entries, String network, String sender, String recipient) {
        return entries.decide(() -> decide(entries, network, sender, recipient));
    }

    private Decision decide(GreylistEntries entries, String network, String sender, String recipient) {
        Rules r = rules;
        long now = clock.instant().getEpochSecond();
        GreylistKey networkKey = GreylistKey.network(network);
        GreylistEntry counted = live(entries, networkKey, r, now);
        if (counted != null && r.autoAllowAfter() > 0 && counted.passes() >= r.autoAllowAfter()) {
            put(entries, networkKey, counted.seenAt(now), r, now);
            return Decision.pass("client network allowed after " + counted.passes() + " passed retries");
        }
        GreylistKey key = GreylistKey.triplet(network, sender, recipient);
        GreylistEntry triplet = live(entries, key, r, now);
        if (triplet == null) {
            put(entries, key, new GreylistEntry(now, now, 0), r, now);
            return Decision.defer(r.delay(), "new triplet");
        }
        if (triplet.passes() > 0) {
            put(entries, key, triplet.passedAt(now), r, now);
            return Decision.pass("known triplet");
        }
        long waited = now - triplet.firstSeen();
        if (waited < r.delay()) {
            return Decision.defer(r.delay() - waited, "retried too early, after " + waited + " s");
        }
        put(entries, key, triplet.passedAt(now), r, now);
        put(entries, networkKey, (counted == null ? new GreylistEntry(now, now, 0) : counted).passedAt(now), r, now);
        return Decision.pass("retried after " + waited + " s");
    }

    /** The entry, unless it has expired (then it is forgotten). */
    private static GreylistEntry live(GreylistEntries entries, GreylistKey key, Rules r, long now) {
        GreylistEntry entry = entries.get(key);
        if (entry != null && expired(key, entry, r, now)) {
            entries.remove(key);
            return null;
        }
        return entry;
    }

    static boolean expired(GreylistKey key, GreylistEntry entry, Rules r, long now) {
        return now > expiresAt(key, entry, r);
    }

    /** A triplet waiting for its retry lasts the retry window from its first attempt; the rest last from their last use. */
    private static long expiresAt(GreylistKey key, GreylistEntry entry, Rules r) {
        boolean waiting = !key.isNetwork() && entry.passes() == 0;
        return waiting ? entry.firstSeen() + r.retryWindow() : entry.lastSeen() + r.allowedExpiry();
    }

    private static void put(GreylistEntries entries, GreylistKey key, GreylistEntry entry, Rules r, long now) {
        entries.put(key, entry, expiresAt(key, entry, r) - now + 1);
    }

    /** Forgets what has expired in memory; returns how many entries went. */
    int expire(MemoryEntries memory) {
        Rules r = rules;
        long now = clock.instant().getEpochSecond();
        return memory.expire((key, entry) -> expired(key, entry, r, now));
    }
}
