package org.carrier.delivery.smtp.internal;

import java.util.List;

import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.transport.DeliveryRequest;

/**
 * A destination as connection reuse, concurrency and back-off see it: the next hops of a route (e.g. a
 * domain's MX hosts) with the TLS policy and AUTH user, since a connection made under one policy or
 * login must not carry mail of another.
 */
record DestinationKey(List<NextHop> hops, TlsPolicy tls, String authUser) {
    static DestinationKey of(DeliveryRequest request) {
        return new DestinationKey(request.nextHops(), request.options().tls(), request.options().authUser());
    }

    @Override
    public String toString() {
        return hops.toString();
    }
}
