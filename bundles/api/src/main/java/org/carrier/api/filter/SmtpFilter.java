package org.carrier.api.filter;

import java.util.Set;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy hook run by the SMTP server at each stage of a session, registered as an OSGi service
 * (whiteboard). A filter names the stages it hooks ({@link #stages()}) and implements those hooks; the server calls
 * no other.
 * <p>
 * Filters run in order of service ranking, highest first. The chain is fixed for the duration of
 * one transaction, so a filter that arrives or leaves mid-transaction does not change it.
 * A filter that throws yields a temporary failure ({@code 451 4.3.0}), never an accepted message
 * that should have been refused. Implementations must be thread-safe: many sessions call them at once.
 * What a filter keeps about one transaction belongs in its {@link TransactionState}, which the server makes at MAIL
 * FROM and drops when the transaction ends.
 * <p>
 * Log lines about a message start with its queue ID ({@link MessageView#queueId()}, known from DATA on: the queue
 * file, and with it the ID, is made when the message data begins, as Postfix opens its queue file no earlier than
 * the first accepted recipient); lines of the earlier stages start with the session ID ({@link SessionInfo#sessionId()}),
 * as the server's own do.
 */
@ConsumerType
public interface SmtpFilter {

    /** Service property: a short name of the filter for logs and the web console. */
    String NAME = "carrier.filter.name";

    /**
     * The stages this filter has hooks for; the server calls it at no other. Asked each time the server takes its
     * snapshot of the chain (when a session starts and at each MAIL FROM), so it must be cheap; the answer may change
     * over time (a milter learns the steps it wants from option negotiation) and applies from the next snapshot. The
     * empty set is right for a filter that only gives a {@link #maxMessageSize}.
     */
    Set<FilterStage> stages();

    /**
     * The largest message in bytes this filter accepts in this session; {@link Long#MAX_VALUE} for no limit.
     * The server takes the least of these and its listener's own limit: it advertises it in the EHLO SIZE
     * keyword, refuses a larger declared SIZE at MAIL FROM and stops storing data past it (RFC 1870 §6),
     * answering {@code 552 5.3.4}. Called often, so it must be cheap and must not block.
     */
    default long maxMessageSize(SessionInfo session) {
        return Long.MAX_VALUE;
    }

    /** {@link FilterStage#CONNECT}: after the TCP connection is accepted, before the greeting (RFC 5321 §3.1). */
    default FilterResult connect(SessionInfo session) {
        return FilterResult.proceed();
    }

    /** {@link FilterStage#HELO}: after EHLO or HELO (RFC 5321 §4.1.1.1); the name is in {@link SessionInfo#heloName()}. */
    default FilterResult helo(SessionInfo session) {
        return FilterResult.proceed();
    }

    /**
     * {@link FilterStage#MAIL}: after MAIL FROM (RFC 5321 §4.1.1.2); the envelope has the reverse-path and no recipients
     * yet.
     *
     * @param state this filter's state for the transaction that begins, new and empty
     */
    default FilterResult mailFrom(SessionInfo session, Envelope envelope, TransactionState state) {
        return FilterResult.proceed();
    }

    /**
     * {@link FilterStage#RCPT}: for each RCPT TO (RFC 5321 §4.1.1.3) the router has found acceptable.
     *
     * @param envelope  the transaction so far, without {@code recipient}
     * @param recipient the recipient being added
     * @param state     this filter's state for the transaction
     */
    default FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState state) {
        return FilterResult.proceed();
    }

    /**
     * {@link FilterStage#DATA}: after the end of the message data (RFC 5321 §4.1.1.4), before it is queued.
     *
     * @param state this filter's state for the transaction, dropped once this stage is over
     */
    default FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState state) {
        return FilterResult.proceed();
    }
}
