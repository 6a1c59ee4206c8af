package org.carrier.api.filter;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.carrier.api.message.HeaderField;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A read-only view of a message received in DATA, given to {@link SmtpFilter#data}.
 * The content is the message as it will be queued (RFC 5322 format, CRLF line endings,
 * dot-stuffing removed), including the Received header this server added (RFC 5321 §4.4).
 */
@ProviderType
public interface MessageView {

    /**
     * The message's queue ID, as in the {@code 250 Ok: queued as} reply and in every log line about the message: a
     * filter's own lines about it start with it ({@code ID: dkim: ...}), so {@code grep ID} tells the whole story.
     */
    String queueId();

    /** The header fields, in order, unfolded values. */
    List<HeaderField> headers();

    /** The size in bytes of {@link #openContent()}. */
    long size();

    /**
     * The largest size in bytes the message may have, edits included: the transaction's limit (the least of the
     * listener's and every filter's {@link SmtpFilter#maxMessageSize}, RFC 1870). A filter replacing the body
     * ({@link MessageEdits}) stops taking a replacement past it and fails as it does for other bad input; the server
     * refuses edits that exceed it with {@code 552 5.3.4}, naming the filter in its log.
     */
    default long maxSize() {
        return Long.MAX_VALUE;
    }

    /** A new stream over the whole message, header and body. The caller closes it. */
    InputStream openContent() throws IOException;

    /**
     * The authentication results filters reported earlier in this transaction (at connect, EHLO, MAIL FROM,
     * RCPT TO, and at DATA before this filter), in the order they ran; e.g. SPF's and DKIM's for a DMARC filter.
     * Results from the message's own {@code Authentication-Results} fields are not among them: those are
     * untrusted input.
     */
    default List<AuthResult> authResults() {
        return List.of();
    }

    /**
     * Whether the authenticated user owns the message's author addresses: every address in its From fields, and in its
     * Sender field if it has one (RFC 5322 §3.6.2), is one the listener's sender-login table assigns to that user. The
     * SMTP server answers it with the rule it enforces at MAIL and at the end of DATA, also where that enforcement is
     * off, so that a filter signing mail in the sender's name (DKIM) signs only what the user may send. False when no
     * user authenticated or the message names no author address.
     */
    default boolean fromOwnedByUser() {
        return false;
    }
}
