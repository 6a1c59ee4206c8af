package org.carrier.delivery.smtp.internal;

import java.util.Objects;

import org.carrier.api.cluster.ClusterFailure;

/**
 * What the client needs from configuration, in plain values. Times are in milliseconds.
 *
 * @param heloName    the name in EHLO/HELO/LHLO
 * @param timeouts    the per-step timeouts of RFC 5321 §4.5.3.2
 * @param reuse       connection reuse, concurrency and back-off
 * @param convertEightBit whether 8-bit mail for a peer without 8BITMIME is converted to 7-bit (RFC 6152 §3)
 *                    rather than failed; conversion changes the bytes and so breaks DKIM signatures
 * @param chunking    whether the message goes in one BDAT chunk when the peer offers CHUNKING (RFC 3030), instead of DATA
 */
record Settings(String heloName, Timeouts timeouts, Reuse reuse, boolean convertEightBit, boolean chunking) {
    Settings {
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(reuse, "reuse");
    }

    /**
     * RFC 5321 §4.5.3.2: greeting and MAIL/RCPT 5 minutes, DATA initiation 2 minutes, each data block
     * 3 minutes, the reply to the final dot 10 minutes.
     */
    record Timeouts(int connect, int command, int dataInit, int dataBlock, int finalReply) {
        static final Timeouts RFC_5321 = new Timeouts(30_000, 300_000, 120_000, 180_000, 600_000);
    }

    /**
     * @param maxMessagesPerConnection after this many transactions a connection is closed (1: no reuse)
     * @param idleMillis               how long an unused connection stays open
     * @param perDestination           concurrent deliveries to one destination
     * @param total                    concurrent deliveries in all
     * @param waitMillis               how long a delivery waits for a free slot before it is deferred
     * @param failuresBeforeBackoff    consecutive connection failures after which a destination is backed off
     * @param backoffMillis            how long a backed-off destination's deliveries are deferred at once
     * @param clusterFailure           with a cluster whose state cannot be reached: count this node's deliveries to a
     *                                 destination only ({@link ClusterFailure#OPEN}) or defer them (4.3.0)
     */
    record Reuse(int maxMessagesPerConnection, long idleMillis, int perDestination, int total, long waitMillis,
                 int failuresBeforeBackoff, long backoffMillis, ClusterFailure clusterFailure) {
        static final Reuse DEFAULT = new Reuse(100, 30_000, 20, 100, 60_000, 5, 300_000);

        Reuse {
            Objects.requireNonNull(clusterFailure, "clusterFailure");
        }

        Reuse(int maxMessagesPerConnection, long idleMillis, int perDestination, int total, long waitMillis,
              int failuresBeforeBackoff, long backoffMillis) {
            this(maxMessagesPerConnection, idleMillis, perDestination, total, waitMillis, failuresBeforeBackoff, backoffMillis,
                    ClusterFailure.OPEN);
        }
    }
}
