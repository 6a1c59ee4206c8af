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
 * @param relayed   delivered to a next hop that does not take DSN requests (no DSN extension): it will not report
 *                  success, so a sender who asked for one (NOTIFY=SUCCESS) gets a DSN with action "relayed"
 *                  from us instead (RFC 3461 §5.2.2, RFC 3464 §2.3.3)
 */
public record RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote, boolean relayed) {
    public RecipientOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
        if (relayed && outcome != Outcome.DELIVERED) {
            throw new IllegalArgumentException("only a delivered recipient can be relayed");
        }
    }

    /** An outcome at a next hop that takes DSN requests, or at the final destination. */
    public RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote) {
        this(recipient, outcome, reply, remote, false);
    }

    /** The outcome a reply implies: 2xx delivered, 4xx deferred, 5xx failed. */
    public static RecipientOutcome of(Recipient recipient, SmtpReply reply, String remote) {
        Outcome outcome = reply.isPositive() ? Outcome.DELIVERED
                : reply.isTransient() ? Outcome.DEFERRED : Outcome.FAILED;
        return new RecipientOutcome(recipient, outcome, reply, remote);
    }

    /** This outcome, marked as relayed to a next hop without DSN support when it is a delivery. */
    public RecipientOutcome relayedWithoutDsn() {
        return outcome == Outcome.DELIVERED ? new RecipientOutcome(recipient, outcome, reply, remote, true) : this;
    }
}
