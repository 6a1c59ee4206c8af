package org.carrier.filter.greylist.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * The greylist in this node's memory: held in access order, so the least recently used entry is the one evicted
 * when the table is full; a snapshot of it is what {@link GreylistStore} saves. Thread-safe; a decision runs under
 * the table's lock.
 */
final class MemoryEntries implements GreylistEntries {
    private final LinkedHashMap<GreylistKey, GreylistEntry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private volatile int maxEntries;
    private boolean changed;

    MemoryEntries(Map<GreylistKey, GreylistEntry> initial, int maxEntries) {
        this.maxEntries = maxEntries;
        entries.putAll(initial);
    }

    void maxEntries(int max) {
        maxEntries = max;
    }

    @Override
    public synchronized <T> T decide(Supplier<T> decision) {
        return decision.get();
    }

    @Override
    public synchronized GreylistEntry get(GreylistKey key) {
        return entries.get(key);
    }

    /** Kept until it expires by the greylist's rules ({@link #expire}) or is evicted; the time to live is not needed. */
    @Override
    public synchronized void put(GreylistKey key, GreylistEntry entry, long ttlSeconds) {
        entries.put(key, entry);
        changed = true;
        Iterator<GreylistKey> eldest = entries.keySet().iterator();
        for (int excess = entries.size() - maxEntries; excess > 0; excess--) {
            eldest.next();
            eldest.remove();
        }
    }

    @Override
    public synchronized void remove(GreylistKey key) {
        if (entries.remove(key) != null) {
            changed = true;
        }
    }

    /** Forgets the entries {@code expired} says have expired; returns how many went. */
    synchronized int expire(BiPredicate<GreylistKey, GreylistEntry> expired) {
        int before = entries.size();
        entries.entrySet().removeIf(e -> expired.test(e.getKey(), e.getValue()));
        changed |= entries.size() != before;
        return before - entries.size();
    }

    /** A copy of the state, least recently used first, if it changed since the last one; {@code null} if not. */
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
