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

    /** The header fields, in order, unfolded values. */
    List<HeaderField> headers();

    /** The size in bytes of {@link #openContent()}. */
    long size();

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
}
