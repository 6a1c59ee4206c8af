package org.carrier.filter.ratelimit.internal;

import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Counts events per key in a sliding window, estimated from two fixed windows: the count of the current window plus
 * the previous window's count weighted by how much of it still lies within the last window length. Two numbers per
 * key, so memory is bounded by the number of keys: keys idle for a whole window are dropped once per window, and
 * beyond {@code maxKeys} the least recently used key is forgotten (its client starts afresh). Thread-safe.
 */
final class SlidingWindows implements Windows {

    private static final class Counts {
        long window;
        long current;
        long previous;

        Counts(long window) {
            this.window = window;
        }

        void rollTo(long now) {
            if (now != window) {
                previous = now == window + 1 ? current : 0;
                current = 0;
                window = now;
            }
        }

        double estimate(double elapsedFraction) {
            return Windows.estimate(previous, current, elapsedFraction);
        }
    }

    private final Clock clock;
    private final LinkedHashMap<String, Counts> counts = new LinkedHashMap<>(1024, 0.75f, true);
    private long windowMillis;
    private int maxKeys;
    private long lastSweep;

    SlidingWindows(Clock clock, long windowMillis, int maxKeys) {
        this.clock = clock;
        this.windowMillis = windowMillis;
        this.maxKeys = maxKeys;
    }

    /** A new window length starts every count afresh (the old counts meant another rate). */
    synchronized void configure(long newWindowMillis, int newMaxKeys) {
        if (newWindowMillis != windowMillis) {
            counts.clear();
        }
        windowMillis = newWindowMillis;
        maxKeys = newMaxKeys;
    }

    @Override
    public synchronized Limit admit(List<Limit> limits) {
        long now = clock.millis();
        long window = now / windowMillis;
        double elapsed = (now % windowMillis) / (double) windowMillis;
        sweep(window);
        for (Limit limit : limits) {
            Counts c = counts.get(limit.key());
            if (c != null) {
                c.rollTo(window);
                if (c.estimate(elapsed) + 1 > limit.max()) {
                    return limit;
                }
            } else if (limit.max() < 1) {
                return limit;
            }
        }
        for (Limit limit : limits) {
            counts.computeIfAbsent(limit.key(), k -> new Counts(window)).current++;
        }
        evictBeyondMaxKeys();
        return null;
    }

    /** Once per window: a key not counted in this or the previous window has nothing left to tell. */
    private void sweep(long window) {
        if (window != lastSweep) {
            lastSweep = window;
            counts.values().removeIf(c -> c.window < window - 1);
        }
    }

    private void evictBeyondMaxKeys() {
        Iterator<Counts> eldest = counts.values().iterator();
        for (int excess = counts.size() - maxKeys; excess > 0; excess--) {
            eldest.next();
            eldest.remove();
        }
    }

    synchronized int size() {
        return counts.size();
    }
}
