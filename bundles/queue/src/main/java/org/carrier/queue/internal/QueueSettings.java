package org.carrier.queue.internal;

import java.time.Duration;
import java.util.List;

/**
 * How the queue retries: the delays before the 2nd, 3rd, ... attempt (the last repeats), and how
 * long a message may stay before its waiting recipients fail (RFC 5321 §4.5.4.1).
 */
record QueueSettings(List<Duration> retryDelays, Duration maxLifetime) {
    QueueSettings {
        retryDelays = List.copyOf(retryDelays);
    }

    /** The delay after the {@code attempts}-th failed attempt. */
    Duration retryDelay(int attempts) {
        return retryDelays.get(Math.min(Math.max(attempts, 1), retryDelays.size()) - 1);
    }
}
