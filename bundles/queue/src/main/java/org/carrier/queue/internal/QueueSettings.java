package org.carrier.queue.internal;

import java.time.Duration;
import java.util.List;

import org.carrier.api.message.HopLimit;
import org.carrier.api.message.MailAddress;

/**
 * How the queue works: the delays before the 2nd, 3rd, ... attempt (the last repeats), how long a message
 * may stay before its waiting recipients fail (RFC 5321 §4.5.4.1), when a delay DSN goes out, how many
 * messages may be in memory at once, the free space the spool keeps, and the DSN sender's details.
 *
 * @param retryDelays  delays before the 2nd, 3rd, ... attempt; the last repeats
 * @param maxLifetime  after this long, a recipient that fails temporarily fails for good (5.4.7)
 * @param delayWarning after this long, a delay DSN is sent once (RFC 3461 §4.1 NOTIFY=DELAY)
 * @param activeLimit  at most this many messages are loaded in memory for delivery at once
 * @param minFreeBytes below this much usable space on the spool's file system, new mail gets 452 4.3.1
 * @param reportingMta the name in DSNs' Reporting-MTA field and From address (RFC 3464 §2.2.2)
 * @param postmaster   where a DSN that cannot be delivered is reported, or {@code null} to log and drop it
 * @param maxHops      a message with this many Received fields or more is not sent on but bounced (554 5.4.6): it loops
 *                     (RFC 5321 §6.3; Postfix's hopcount_limit)
 */
record QueueSettings(List<Duration> retryDelays, Duration maxLifetime, Duration delayWarning, int activeLimit,
                     long minFreeBytes, String reportingMta, MailAddress postmaster, int maxHops) {
    static final Duration DEFAULT_DELAY_WARNING = Duration.ofHours(4);
    static final int DEFAULT_MAX_HOPS = HopLimit.DEFAULT_MAX_HOPS;
    static final int DEFAULT_ACTIVE_LIMIT = 10_000;
    static final long DEFAULT_MIN_FREE_BYTES = 100L << 20;

    QueueSettings {
        retryDelays = List.copyOf(retryDelays);
        if (activeLimit < 1) {
            throw new IllegalArgumentException("activeLimit: must be at least 1, not " + activeLimit);
        }
        if (minFreeBytes < 0) {
            throw new IllegalArgumentException("minFreeSpace: must not be negative");
        }
        if (maxHops < 1) {
            throw new IllegalArgumentException("maxHops: a number of Received fields, at least 1, not " + maxHops);
        }
    }

    /** Default settings beside the retry schedule and lifetime. */
    QueueSettings(List<Duration> retryDelays, Duration maxLifetime) {
        this(retryDelays, maxLifetime, DEFAULT_DELAY_WARNING, DEFAULT_ACTIVE_LIMIT, DEFAULT_MIN_FREE_BYTES, "localhost", null, DEFAULT_MAX_HOPS);
    }

    /** The delay after the {@code attempts}-th failed attempt. */
    Duration retryDelay(int attempts) {
        return retryDelays.get(Math.min(Math.max(attempts, 1), retryDelays.size()) - 1);
    }

    QueueSettings withActiveLimit(int limit) {
        return new QueueSettings(retryDelays, maxLifetime, delayWarning, limit, minFreeBytes, reportingMta, postmaster, maxHops);
    }

    QueueSettings withMinFreeBytes(long bytes) {
        return new QueueSettings(retryDelays, maxLifetime, delayWarning, activeLimit, bytes, reportingMta, postmaster, maxHops);
    }

    QueueSettings withDelayWarning(Duration delay) {
        return new QueueSettings(retryDelays, maxLifetime, delay, activeLimit, minFreeBytes, reportingMta, postmaster, maxHops);
    }

    QueueSettings withMaxHops(int hops) {
        return new QueueSettings(retryDelays, maxLifetime, delayWarning, activeLimit, minFreeBytes, reportingMta, postmaster, hops);
    }

    QueueSettings withPostmaster(MailAddress address) {
        return new QueueSettings(retryDelays, maxLifetime, delayWarning, activeLimit, minFreeBytes, reportingMta, address, maxHops);
    }
}
