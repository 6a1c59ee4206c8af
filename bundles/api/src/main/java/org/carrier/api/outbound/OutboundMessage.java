package org.carrier.api.outbound;

import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.transport.MessageSource;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One transaction's message as an {@link OutboundFilter} sees it. The transport makes one for each filter.
 */
@ProviderType
public interface OutboundMessage {

    /** The queue ID, to be named in every log line. */
    String queueId();

    /**
     * The envelope of this transaction: the reverse-path as it will be sent (after an earlier filter's rewrite), the
     * MAIL parameters, and this transaction's recipients only.
     */
    Envelope envelope();

    /**
     * The content exactly as it will be sent (CRLF line endings, not dot-stuffed): the queued message, converted to
     * 7-bit when the peer lacks 8BITMIME, with the fields earlier filters prepended on top.
     */
    MessageSource content();

    /** The header fields of {@link #content()} in order, values as they are (folded). */
    List<HeaderField> header();

    /**
     * Whether this site is the author's agent for the message, so that its own domains' keys may sign it: it came
     * from a client that may relay and may use its From (a trusted network, or an authenticated user whose From it
     * owns: the SMTP server's sender rule), from bin/sendmail, or Carrier made it (a delivery status notification, a
     * report). {@code false} for mail that arrived from elsewhere, forwarded or not: a From of one of our domains on
     * such mail is not ours to sign. The decision is made once, at intake, and kept with the queued message
     * ({@link Submission#MAIL_PARAMETER}).
     */
    boolean submittedHere();

    /** Whether the content is 8-bit (sent with BODY=8BITMIME or SMTPUTF8). */
    boolean eightBit();

    /**
     * Whether a recipient of this transaction was reached through an alias of ours that points to another address
     * (forwarding, {@link org.carrier.api.route.Router#FORWARDED_PARAMETER}), not addressed by the sender directly.
     */
    boolean forwarded();

    /** The forwarding addresses (the aliases) of the {@link #forwarded()} recipients, in recipient order, no repeats. */
    List<String> forwardedBy();
}
