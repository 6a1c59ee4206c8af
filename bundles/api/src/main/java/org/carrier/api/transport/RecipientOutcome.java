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
 * @param finalDelivery delivered into the recipient's mailbox (a local Maildir, an LMTP server's 250 for this
 *                  recipient, RFC 2033 §4.2): no one after us reports success, so a sender who asked for it gets
 *                  a DSN with action "delivered" from us (RFC 3461 §5.2.3, RFC 3464 §2.3.3)
 */
public record RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote, boolean relayed,
                               boolean finalDelivery) {
    public RecipientOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
        if ((relayed || finalDelivery) && outcome != Outcome.DELIVERED) {
            throw new IllegalArgumentException("only a delivered recipient can be relayed or delivered finally");
        }
        if (relayed && finalDelivery) {
            throw new IllegalArgumentException("a recipient is relayed or delivered into its mailbox, not both");
        }
    }

    /** An outcome at a next hop, relayed to one without DSN support when {@code relayed}. */
    public RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote, boolean relayed) {
        this(recipient, outcome, reply, remote, relayed, false);
    }

    /** An outcome at a next hop that takes DSN requests. */
    public RecipientOutcome(Recipient recipient, Outcome outcome, SmtpReply reply, String remote) {
        this(recipient, outcome, reply, remote, false, false);
    }

    /** The outcome a reply implies: 2xx delivered, 4xx deferred, 5xx failed. */
    public static RecipientOutcome of(Recipient recipient, SmtpReply reply, String remote) {
        Outcome outcome = reply.isPositive() ? Outcome.DELIVERED
                : reply.isTransient() ? Outcome.DEFERRED : Outcome.FAILED;
        return new RecipientOutcome(recipient, outcome, reply, remote);
    }

    /** This outcome, marked as relayed to a next hop without DSN support when it is a delivery. */
    public RecipientOutcome relayedWithoutDsn() {
        return outcome == Outcome.DELIVERED ? new RecipientOutcome(recipient, outcome, reply, remote, true, false) : this;
    }

    /** This outcome, marked as delivered into the recipient's mailbox when it is a delivery. */
    public RecipientOutcome deliveredFinally() {
        return outcome == Outcome.DELIVERED ? new RecipientOutcome(recipient, outcome, reply, remote, false, true) : this;
    }
}
