package org.carrier.router.internal;

import java.util.List;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code discard} transport of discard routes: reports every recipient delivered and drops the message, with a log line each. */
@Component(property = Transport.NAME + "=discard")
public class DiscardTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(DiscardTransport.class);
    private static final SmtpReply DISCARDED = new SmtpReply(250, "2.0.0", "Ok: discarded by route");

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        return request.envelope().recipients().stream().map(r -> {
            // the queue logs the outcome (relay=discard, status=sent) in its one to=<...> line
            LOG.info("{}: <{}> discarded by its route ({} bytes)", request.queueId(), r.address(), request.message().size());
            return RecipientOutcome.of(r, DISCARDED, "discard");
        }).toList();
    }
}
