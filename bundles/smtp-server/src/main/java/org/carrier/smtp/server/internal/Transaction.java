package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;

/**
 * One mail transaction (RFC 5321 §3.3), from MAIL FROM to the end of DATA or RSET: the envelope so far,
 * the filter chain fixed at MAIL FROM, and what the filters decided along the way.
 */
final class Transaction {
    private final FilterChain filters;
    private final List<HeaderField> headers = new ArrayList<>();
    private Envelope envelope;
    private String discardedBy;
    private boolean hold;

    Transaction(Envelope envelope, FilterChain filters) {
        this.envelope = envelope;
        this.filters = filters;
    }

    Envelope envelope() {
        return envelope;
    }

    FilterChain filters() {
        return filters;
    }

    void add(Recipient recipient) {
        envelope = envelope.withRecipient(recipient);
    }

    /** Takes in what the filters of an accepted stage decided: header fields, discard, hold. */
    void absorb(FilterChain.Verdict verdict) {
        headers.addAll(verdict.headers());
        if (verdict.discard() && discardedBy == null) {
            discardedBy = verdict.decidedBy();
        }
        hold |= verdict.hold();
    }

    /** Header fields the filters asked for, in the order the stages ran. */
    List<HeaderField> headers() {
        return List.copyOf(headers);
    }

    boolean discarded() {
        return discardedBy != null;
    }

    /** The filter that discarded the message, or {@code null}. */
    String discardedBy() {
        return discardedBy;
    }

    boolean hold() {
        return hold;
    }
}
