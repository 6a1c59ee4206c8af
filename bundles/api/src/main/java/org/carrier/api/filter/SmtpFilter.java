package org.carrier.api.filter;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy hook run by the SMTP server at each stage of a session, registered as an OSGi service
 * (whiteboard). A filter bundle implements only the stages it cares about; the others proceed.
 * <p>
 * Filters run in order of service ranking, highest first. The chain is fixed for the duration of
 * one transaction, so a filter that arrives or leaves mid-transaction does not change it.
 * A filter that throws yields a temporary failure ({@code 451 4.3.0}), never an accepted message
 * that should have been refused. Implementations must be thread-safe: many sessions call them at once.
 */
@ConsumerType
public interface SmtpFilter {

    /** Service property: a short name of the filter for logs and the web console. */
    String NAME = "carrier.filter.name";

    /**
     * The largest message in bytes this filter accepts in this session; {@link Long#MAX_VALUE} for no limit.
     * The server takes the least of these and its listener's own limit: it advertises it in the EHLO SIZE
     * keyword, refuses a larger declared SIZE at MAIL FROM and stops storing data past it (RFC 1870 §6),
     * answering {@code 552 5.3.4}. Called often, so it must be cheap and must not block.
     */
    default long maxMessageSize(SessionInfo session) {
        return Long.MAX_VALUE;
    }

    /** After the TCP connection is accepted, before the greeting (RFC 5321 §3.1). */
    default FilterResult connect(SessionInfo session) {
        return FilterResult.proceed();
    }

    /** After EHLO or HELO (RFC 5321 §4.1.1.1); the name is in {@link SessionInfo#heloName()}. */
    default FilterResult helo(SessionInfo session) {
        return FilterResult.proceed();
    }

    /** After MAIL FROM (RFC 5321 §4.1.1.2); the envelope has the reverse-path and no recipients yet. */
    default FilterResult mailFrom(SessionInfo session, Envelope envelope) {
        return FilterResult.proceed();
    }

    /**
     * For each RCPT TO (RFC 5321 §4.1.1.3) the router has found acceptable.
     *
     * @param envelope  the transaction so far, without {@code recipient}
     * @param recipient the recipient being added
     */
    default FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient) {
        return FilterResult.proceed();
    }

    /** After the end of the message data (RFC 5321 §4.1.1.4), before it is queued. */
    default FilterResult data(SessionInfo session, Envelope envelope, MessageView message) {
        return FilterResult.proceed();
    }
}
