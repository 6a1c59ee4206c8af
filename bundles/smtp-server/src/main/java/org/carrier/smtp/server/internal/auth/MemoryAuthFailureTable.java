package org.carrier.smtp.server.internal.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The failure table of one node, in memory. At most {@code maxEntries} keys are kept: an entry goes once its window
 * and its lockout are over, and beyond the maximum the one untouched for longest goes first, so an attack from many
 * addresses or with many user names cannot exhaust memory (it can only make the table forget the quietest keys).
 */
public final class MemoryAuthFailureTable implements AuthFailureTable {
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** One key's failures since {@code windowStart}; kept until {@code expires}; locked out until {@code lockedUntil}. */
    private record Entry(int count, Instant windowStart, Instant lockedUntil, Instant expires) {
    }

    private final int maxEntries;
    private final Clock clock;
    /** Access order: the entry touched longest ago comes first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    public MemoryAuthFailureTable() {
        this(DEFAULT_MAX_ENTRIES, Clock.systemUTC());
    }

    public MemoryAuthFailureTable(int maxEntries, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, not " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public synchronized boolean recordFailure(String key, int limit, Duration window, Duration lockout) {
        Instant now = clock.instant();
        forgetExpired(now);
        Entry before = entries.get(key);
        boolean inWindow = before != null && before.windowStart().plus(window).isAfter(now);
        int count = inWindow ? before.count() + 1 : 1;
        Instant windowStart = inWindow ? before.windowStart() : now;
        Instant lockedUntil = before == null ? Instant.MIN : before.lockedUntil();
        boolean wasLocked = lockedUntil.isAfter(now);
        boolean locks = !wasLocked && limit > 0 && count >= limit;
        if (locks) {
            lockedUntil = now.plus(lockout);
        }
        Instant windowEnd = windowStart.plus(window);
        entries.put(key, new Entry(count, windowStart, lockedUntil, lockedUntil.isAfter(windowEnd) ? lockedUntil : windowEnd));
        if (entries.size() > maxEntries) {
            Iterator<String> eldest = entries.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return locks;
    }

    @Override
    public synchronized boolean lockedOut(String key) {
        Entry entry = entries.get(key);
        return entry != null && entry.lockedUntil().isAfter(clock.instant());
    }

    /** How many keys are remembered now. */
    public synchronized int size() {
        forgetExpired(clock.instant());
        return entries.size();
    }

    /** Drops expired entries from the eldest on; one still alive stops the sweep, so each call costs little. */
    private void forgetExpired(Instant now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext() && !it.next().getValue().expires().isAfter(now)) {
            it.remove();
        }
    }
}
