package org.carrier.filter.ratelimit.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;

/**
 * The sliding windows on the cluster's counters: one counter per key and fixed window
 * ({@code ratelimit:NOUN:WINDOW_SECONDS:KEY:WINDOW_NUMBER}), expiring two windows after it starts, when the estimate no
 * longer reads it. One call per event ({@link SharedState#incrementAndRead}): the event is counted in every limit's
 * current window while the previous windows are read, in one atomic step, so the nodes together never pass a limit.
 * An event over a limit is then taken back out in a second call (refusals are the rare case); until it is, another
 * node may count it too and refuse an event that would have fitted: the error is towards refusing, by at most one
 * event per node and moment. Each call may throw {@link org.carrier.api.cluster.SharedStateException}.
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
        List<String> current = new ArrayList<>(limits.size());
        List<String> previous = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            current.add(key(limit, window));
            previous.add(key(limit, window - 1));
        }
        Duration ttl = Duration.ofMillis(2 * windowMillis - now % windowMillis);
        List<Long> counts = shared.incrementAndRead(current, 1, ttl, previous);
        for (int i = 0; i < limits.size(); i++) {
            long before = counts.get(i) - 1; // without this event
            if (Windows.estimate(counts.get(limits.size() + i), before, elapsed) + 1 > limits.get(i).max()) {
                takeBack(current, ttl);
                return limits.get(i);
            }
        }
        return null;
    }

    /** A refused event is not counted (as on a single node); if Redis fails now, the count stays one high till its window ends. */
    private void takeBack(List<String> current, Duration ttl) {
        try {
            shared.incrementAndRead(current, -1, ttl, List.of());
        } catch (SharedStateException e) {
            // the refusal stands; the error is towards refusing
        }
    }

    private String key(Limit limit, long window) {
        return "ratelimit:" + noun + ":" + windowMillis / 1000 + ":" + limit.key() + ":" + window;
    }
}
