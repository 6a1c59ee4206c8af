package org.carrier.delivery.smtp.internal;

import java.util.List;

import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;

/**
 * A destination as connection reuse, concurrency and back-off see it: the next hops of a route (e.g. a
 * domain's MX hosts) with the TLS policy, AUTH user and the message's TLS demand, since a connection made under one
 * policy or login must not carry mail of another. Under DANE the recipient domain is part of it too: its MTA-STS
 * policy (RFC 8461) and the names a DANE-TA certificate may carry (RFC 7672 §3.2.2) are the domain's.
 *
 * @param policyDomain the recipient domain when the policy depends on it, else {@code null}
 */
record DestinationKey(List<NextHop> hops, TlsPolicy tls, String authUser, TlsDemand demand, String policyDomain) {
    static DestinationKey of(DeliveryRequest request, TlsDemand demand, String policyDomain) {
        return new DestinationKey(request.nextHops(), request.options().tls(), request.options().authUser(), demand, policyDomain);
    }

    @Override
    public String toString() {
        return hops.toString();
    }
}
