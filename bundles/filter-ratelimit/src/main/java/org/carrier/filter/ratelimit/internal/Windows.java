package org.carrier.filter.ratelimit.internal;

import java.util.List;

/**
 * Counts in sliding windows, estimated from two fixed windows (the current count plus the previous window's count
 * weighted by how much of it still lies within the last window length): this node's own ({@link SlidingWindows}) or
 * the cluster's ({@link SharedWindows}), so a limit holds across nodes.
 */
interface Windows {

    /** One limit to honour: at most {@code max} events per window for {@code key}. */
    record Limit(String key, long max) {
    }

    /**
     * Counts one event for every key if each stays within its limit, and returns {@code null}; otherwise counts
     * nothing and returns the first limit that would be exceeded. A refused attempt is not counted, so a client that
     * keeps trying is let in again once its rate has fallen.
     */
    Limit admit(List<Limit> limits);

    /** The sliding estimate: the previous window's count by the part of it still within the last window length. */
    static double estimate(long previous, long current, double elapsedFraction) {
        return previous * (1 - elapsedFraction) + current;
    }
}
