package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;

/**
 * One mail transaction (RFC 5321 §3.3), from MAIL FROM to the end of DATA or RSET: the envelope so far,
 * the filter chain fixed at MAIL FROM, the size limit it gives, what the filters decided along the way, and the state
 * each filter keeps for it, dropped by {@link #end}.
 */
final class Transaction {
    private final FilterChain filters;
    private final FilterChain.States states;
    private final long maxMessageSize;
    private final List<HeaderField> headers = new ArrayList<>();
    private final List<AuthResult> authResults = new ArrayList<>();
    private Envelope envelope;
    private String discardedBy;
    private boolean hold;

    /** @param states the filters' states, made at MAIL FROM before its filters ran */
    Transaction(Envelope envelope, FilterChain filters, FilterChain.States states, long maxMessageSize) {
        this.envelope = envelope;
        this.filters = filters;
        this.states = states;
        this.maxMessageSize = maxMessageSize;
    }

    /** The filters' states, for the hooks of this transaction. */
    FilterChain.States states() {
        return states;
    }

    /** The transaction is over (queued, refused, reset, or the connection gone): the filters' states are dropped. */
    void end(String logId) {
        states.end(logId);
    }

    Envelope envelope() {
        return envelope;
    }

    FilterChain filters() {
        return filters;
    }

    /** The largest message this transaction may carry, in bytes (RFC 1870). */
    long maxMessageSize() {
        return maxMessageSize;
    }

    void add(Recipient recipient) {
        envelope = envelope.withRecipient(recipient);
    }

    /** Takes in what the filters of an accepted stage decided: header fields, authentication results, discard, hold. */
    void absorb(FilterChain.Verdict verdict) {
        headers.addAll(verdict.headers());
        authResults.addAll(verdict.authResults());
        if (verdict.discard() && discardedBy == null) {
            discardedBy = verdict.decidedBy();
        }
        hold |= verdict.hold();
    }

    /** The authentication results reported so far, in the order the filters ran. */
    List<AuthResult> authResults() {
        return List.copyOf(authResults);
    }

    /**
     * Header fields to add to the message: one {@code Authentication-Results} field with every result, named after
     * this host (RFC 8601 §2.2, §5: one field per authserv-id, at the top), then the fields the filters asked for,
     * in the order the stages ran.
     */
    List<HeaderField> headers(String authservId) {
        if (authResults.isEmpty()) {
            return List.copyOf(headers);
        }
        List<HeaderField> all = new ArrayList<>(headers.size() + 1);
        all.add(new HeaderField("Authentication-Results", authservId + authResults.stream()
                .map(AuthResult::toString).collect(Collectors.joining(";\r\n\t", ";\r\n\t", ""))));
        all.addAll(headers);
        return all;
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
