package org.carrier.filter.ratelimit.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.cluster.SharedState;

/**
 * The sliding windows on the cluster's counters: one counter per key and fixed window
 * ({@code ratelimit:NOUN:WINDOW_SECONDS:KEY:WINDOW_NUMBER}), expiring two windows after it starts, when the estimate no
 * longer reads it. One read of the current and previous counters of every limit, then one increment each: between
 * the read and the increment another node may count too, so a limit can be passed by at most one event per node
 * and moment, never more. Each call may throw {@link org.carrier.api.cluster.SharedStateException}.
 */
final class SharedWindows implements Windows {
    private final SharedState shared;
    private final Clock clock;
    private final String noun;
    private final long windowMillis;

    SharedWindows(SharedState shared, Clock clock, String noun, long windowMillis) {
        this.shared = shared;
        this.clock = clock;
        this.noun = noun;
        this.windowMillis = windowMillis;
    }

    @Override
    public Limit admit(List<Limit> limits) {
        long now = clock.millis();
        long window = now / windowMillis;
        double elapsed = (now % windowMillis) / (double) windowMillis;
        List<String> keys = new ArrayList<>(limits.size() * 2);
        for (Limit limit : limits) {
            keys.add(key(limit, window));
            keys.add(key(limit, window - 1));
        }
        List<Long> counts = shared.counters(keys);
        for (int i = 0; i < limits.size(); i++) {
            if (Windows.estimate(counts.get(2 * i + 1), counts.get(2 * i), elapsed) + 1 > limits.get(i).max()) {
                return limits.get(i);
            }
        }
        Duration ttl = Duration.ofMillis(2 * windowMillis - now % windowMillis);
        for (Limit limit : limits) {
            shared.increment(key(limit, window), 1, ttl);
        }
        return null;
    }

    private String key(Limit limit, long window) {
        return "ratelimit:" + noun + ":" + windowMillis / 1000 + ":" + limit.key() + ":" + window;
    }
}
