package org.carrier.api.transport;

import java.util.Objects;

import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;

/**
 * What happened to one recipient in one delivery attempt.
 *
 * @param recipient the recipient
 * @param outcome   delivered, deferred or failed
 * @param reply     the reply that decided it (from the peer, or one the transport made up for
 *                  local problems, e.g. {@code 451 4.4.1 connection refused})
 * @param remote    the peer, e.g. {@code mx.example.com[192.0.2.1]:25}, or a local description such as {@code maildir}
 */
public record RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote) {
    public RecipientOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
    }

    /** The outcome a reply implies: 2xx delivered, 4xx deferred, 5xx failed. */
    public static RecipientOutcome of(Recipient recipient, SmtpReply reply, String remote) {
        Outcome outcome = reply.isPositive() ? Outcome.DELIVERED
                : reply.isTransient() ? Outcome.DEFERRED : Outcome.FAILED;
        return new RecipientOutcome(recipient, outcome, reply, remote);
    }
}
