package org.carrier.queue.internal;

import java.time.Clock;

/**
 * Issues queue IDs: 12 characters of [0-9A-Z] from the time in milliseconds and a per-millisecond
 * counter, so they are unique across restarts (as long as the clock does not go back by more than the
 * time the previous run lasted), sort by arrival, and read well in logs, like Postfix's.
 */
final class QueueIds {
    private static final char[] DIGITS = "0123456789ABCDEFGHJKLMNPQRSTVWXZ".toCharArray();
    private static final String DIGIT_VALUES = new String(DIGITS);
    private static final int LENGTH = 12;
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
        return format((lastMillis << COUNTER_BITS) | counter);
    }

    /** The ID of a number (the schedule keeps IDs as numbers: 8 bytes instead of a string). */
    static String format(long value) {
        char[] id = new char[LENGTH];
        for (int i = id.length - 1; i >= 0; i--) {
            id[i] = DIGITS[(int) (value & 31)];
            value >>>= 5;
        }
        return new String(id);
    }

    /** The number of an ID, or -1 if it is not one this class issues (e.g. a stray file name). */
    static long parse(String id) {
        if (id.length() != LENGTH) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < LENGTH; i++) {
            int digit = DIGIT_VALUES.indexOf(id.charAt(i));
            if (digit < 0) {
                return -1;
            }
            value = (value << 5) | digit;
        }
        return value;
    }
}
