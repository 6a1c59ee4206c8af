package org.carrier.api.outbound;

import java.util.List;
import java.util.Objects;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;

/**
 * What an {@link OutboundFilter} decided: header fields to put on top of the message (in this order, the first
 * on top, as RFC 6376 §5.6 and RFC 8617 §5.1 put their fields), a new reverse-path for this transaction (SRS), or a
 * deferral of the transaction's recipients. Immutable.
 *
 * @param prepended   fields to prepend, in order; empty for none
 * @param reversePath the reverse-path to send instead, or {@code null} to keep it
 * @param deferral    a temporary failure (4xx) that defers every recipient of the transaction, or {@code null}
 */
public record OutboundResult(List<HeaderField> prepended, MailAddress reversePath, SmtpReply deferral) {
    private static final OutboundResult UNCHANGED = new OutboundResult(List.of(), null, null);

    public OutboundResult {
        prepended = List.copyOf(prepended);
        if (deferral != null && !deferral.isTransient()) {
            throw new IllegalArgumentException("an outbound filter defers with a 4xx reply, not " + deferral.code());
        }
    }

    /** Nothing to add or change. */
    public static OutboundResult unchanged() {
        return UNCHANGED;
    }

    /** Prepends these fields, the first on top. */
    public static OutboundResult prepend(List<HeaderField> fields) {
        return new OutboundResult(fields, null, null);
    }

    /** Sends this transaction with another reverse-path. */
    public static OutboundResult reversePath(MailAddress sender) {
        return new OutboundResult(List.of(), Objects.requireNonNull(sender, "sender"), null);
    }

    /** Defers the transaction's recipients with this 4xx reply; the queue tries again later. */
    public static OutboundResult defer(SmtpReply reply) {
        return new OutboundResult(List.of(), null, Objects.requireNonNull(reply, "reply"));
    }

    /** This result, with these fields prepended as well (after its own). */
    public OutboundResult withPrepended(List<HeaderField> more) {
        List<HeaderField> all = new java.util.ArrayList<>(prepended);
        all.addAll(more);
        return new OutboundResult(all, reversePath, deferral);
    }
}
