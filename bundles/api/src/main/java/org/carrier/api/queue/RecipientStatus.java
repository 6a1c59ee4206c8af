package org.carrier.api.queue;

import java.time.Instant;

import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;

/**
 * The delivery state of one recipient of a queued message.
 *
 * @param recipient   the envelope recipient
 * @param state       where it stands
 * @param attempts    delivery attempts made so far
 * @param nextAttempt when the next attempt is due, or {@code null} if none is scheduled
 * @param lastReply   the reply of the last attempt, or {@code null} before the first
 * @param lastRemote  the host that gave {@code lastReply} (e.g. {@code mx.example.com[192.0.2.1]:25}), or {@code null}
 */
public record RecipientStatus(Recipient recipient,
                              DeliveryState state,
                              int attempts,
                              Instant nextAttempt,
                              SmtpReply lastReply,
                              String lastRemote) {
}
