package org.carrier.api.queue;

import java.time.Instant;
import java.util.List;

import org.carrier.api.message.Envelope;

/**
 * A snapshot of one message in the queue with the state of each of its recipients.
 *
 * @param queueId    the queue ID
 * @param arrival    when the message was committed to the queue
 * @param envelope   the envelope as received
 * @param size       the size of the queued content in bytes
 * @param held       whether the message is on hold
 * @param recipients the state of each recipient, in envelope order
 */
public record QueuedMessage(String queueId,
                            Instant arrival,
                            Envelope envelope,
                            long size,
                            boolean held,
                            List<RecipientStatus> recipients) {
    public QueuedMessage {
        recipients = List.copyOf(recipients);
    }
}
