package org.carrier.router.internal;

import java.util.List;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code hold} transport of hold routes: defers every recipient, so the message stays queued and is routed
 * afresh at each retry; changing or removing the route releases it at its next attempt. Held mail ages like any
 * deferred mail (the queue's maximum lifetime still applies).
 */
@Component(property = Transport.NAME + "=hold")
public class HoldTransport implements Transport {
    /** RFC 3463 §3.4: X.3.2 "System not accepting network messages": a deliberate, temporary stop. */
    private static final SmtpReply HELD = new SmtpReply(451, "4.3.2", "held by route; released when the route changes");

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        return request.envelope().recipients().stream().map(r -> RecipientOutcome.of(r, HELD, "hold")).toList();
    }
}
