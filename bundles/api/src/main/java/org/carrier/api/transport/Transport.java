package org.carrier.api.transport;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A delivery agent (local Maildir, SMTP, LMTP, ...), registered as an OSGi service with the
 * {@link #NAME} property. The queue calls it with a group of recipients of one message that share
 * a route, and records each recipient's outcome.
 */
@ConsumerType
public interface Transport {

    /** Service property: the transport name routes refer to, e.g. {@code local} or {@code smtp}. */
    String NAME = "carrier.transport";

    /**
     * Delivers one message to the request's recipients. Must not throw for delivery problems:
     * each is reported as an outcome (a connection failure is a deferral of every recipient).
     *
     * @return one outcome for each recipient of the request
     */
    List<RecipientOutcome> deliver(DeliveryRequest request);
}
