package org.carrier.queue.internal;

import java.time.Clock;

/**
 * Issues queue IDs: 12 characters of [0-9A-Z] from the time in milliseconds and a per-millisecond
 * counter, so they are unique across restarts (as long as the clock does not go back by more than the
 * time the previous run lasted), sort by arrival, and read well in logs, like Postfix's.
 */
final class QueueIds {
    private static final char[] DIGITS = "0123456789ABCDEFGHJKLMNPQRSTVWXZ".toCharArray();
    private static final int COUNTER_BITS = 16;

    private final Clock clock;
    private long lastMillis;
    private int counter;

    QueueIds(Clock clock) {
        this.clock = clock;
    }

    synchronized String next() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = 0;
        } else if (++counter >= 1 << COUNTER_BITS) {
            lastMillis++;
            counter = 0;
        }
        long value = (lastMillis << COUNTER_BITS) | counter;
        char[] id = new char[12];
        for (int i = id.length - 1; i >= 0; i--) {
            id[i] = DIGITS[(int) (value & 31)];
            value >>>= 5;
        }
        return new String(id);
    }
}
