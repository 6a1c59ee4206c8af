package org.carrier.queue.internal;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.Histogram;
import org.carrier.api.metrics.MetricWriter;
import org.carrier.api.queue.DeliveryState;

/**
 * The queue's figures: every recipient outcome, the delays of delivered mail, and how many messages are in each
 * state. The counts by state are kept as messages move (arrive, start an attempt, finish one, get held, go), so a
 * scrape reads a few numbers and never the spool.
 */
final class QueueMetrics {

    /** Where a message stands, as Postfix names its queues. */
    enum MessageState {
        /** Arrived and not tried yet. */
        INCOMING,
        /** A delivery attempt is running. */
        ACTIVE,
        /** Waiting for a retry after a temporary failure. */
        DEFERRED,
        /** Kept until an operator releases it. */
        HOLD;

        final String label = name().toLowerCase(Locale.ROOT);

        /** The state the entry's recipients and flags put it in when no attempt runs; null once it is done or deleted. */
        static MessageState of(QueueEntry entry) {
            if (entry.deleted() || entry.allFinal()) {
                return null;
            }
            if (entry.held()) {
                return HOLD;
            }
            return entry.recipients().stream().anyMatch(r -> r.state() == DeliveryState.DEFERRED) ? DEFERRED : INCOMING;
        }
    }

    /** Seconds from arrival to delivery: a local delivery takes well under a second, a retried one hours or days. */
    private static final double[] DELAY_BUCKETS = {0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 14400, 86400, 432000};

    private final CounterFamily deliveries = new CounterFamily("carrier_deliveries_total",
            "Recipient outcomes of delivery attempts: sent, deferred (to be retried) or bounced (failed for good)", "status");
    private final Histogram delays = new Histogram(DELAY_BUCKETS);
    private final Map<MessageState, LongAdder> messages = new EnumMap<>(MessageState.class);

    QueueMetrics() {
        for (MessageState s : MessageState.values()) {
            messages.put(s, new LongAdder());
        }
        for (String status : new String[] {"sent", "deferred", "bounced"}) {
            deliveries.add(0, status); // present from the start, so a rate over the first failure has a base
        }
    }

    /** One recipient's outcome, {@code status} as the log line shows it (sent, deferred, bounced). */
    void outcome(String status, Duration sinceArrival) {
        deliveries.increment(status);
        if (status.equals("sent")) {
            delays.observe(Math.max(0, sinceArrival.toMillis()) / 1000.0);
        }
    }

    /** A message moved from one state to another; null for "not in the queue" (before it arrived, after it left). */
    void moved(MessageState from, MessageState to) {
        if (from == to) {
            return;
        }
        if (from != null) {
            messages.get(from).decrement();
        }
        if (to != null) {
            messages.get(to).increment();
        }
    }

    long messages(MessageState state) {
        return messages.get(state).sum();
    }

    long deliveries(String status) {
        return deliveries.value(status);
    }

    Histogram.Snapshot delays() {
        return delays.snapshot();
    }

    void writeTo(MetricWriter out) {
        deliveries.writeTo(out);
        out.histogram("carrier_delivery_delay_seconds", "Time from arrival in the queue to delivery, per recipient delivered",
                delays.snapshot());
        messages.forEach((state, count) -> out.gauge("carrier_queue_messages",
                "Messages in the queue by state (incoming, active, deferred, hold)", count.sum(), "state", state.label));
    }
}
