package org.carrier.api.outbound;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A hook of the outbound stage, registered as an OSGi service (whiteboard): DKIM signing, ARC sealing, sender
 * rewriting (SRS). The SMTP transport runs the filters once per transaction, that is once per message and group of
 * recipients that share a route and a connection, after it knows what the peer supports and has converted 8-bit
 * content for a peer without 8BITMIME (RFC 6152 §3), and before MAIL FROM. Local delivery (Maildir, LMTP) does not run
 * them: the message does not leave this site there.
 * <p>
 * Filters run in order of service ranking, highest first; each sees the content with the fields that the filters
 * before it prepended ({@link OutboundMessage#content()}), so a filter that seals (ARC) ranks below one that signs
 * (DKIM). A filter that throws, or answers {@link OutboundResult#defer}, defers the transaction's recipients
 * ({@code 451 4.3.0} for a throw): mail that should leave signed never leaves unsigned because a key could not be read.
 * Implementations must be thread-safe and must not block on the network for long: deliveries wait for them.
 */
@ConsumerType
public interface OutboundFilter {

    /** Service property: a short name of the filter for logs. */
    String NAME = "carrier.outbound.name";

    /** What this filter adds or changes for this transaction; never {@code null}. */
    OutboundResult filter(OutboundMessage message) throws Exception;
}
