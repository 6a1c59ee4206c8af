package org.carrier.api.transport;

import java.util.List;
import java.util.Objects;

import org.carrier.api.message.Envelope;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TransportOptions;

/**
 * One delivery attempt of one message to a group of recipients that share a route.
 *
 * @param queueId  the queue ID, to be named in every log line
 * @param envelope the reverse-path, MAIL parameters and the recipients of this attempt only
 * @param nextHops the hosts to try in order (empty for transports that need none)
 * @param options  the route's TLS policy and credentials for the next hops
 * @param message  the content
 */
public record DeliveryRequest(String queueId, Envelope envelope, List<NextHop> nextHops, TransportOptions options,
                              MessageSource message) {
    public DeliveryRequest {
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(message, "message");
        nextHops = List.copyOf(nextHops);
    }

    /** A request with the default options (opportunistic TLS, no AUTH). */
    public DeliveryRequest(String queueId, Envelope envelope, List<NextHop> nextHops, MessageSource message) {
        this(queueId, envelope, nextHops, TransportOptions.DEFAULT, message);
    }
}
