package org.carrier.api.route;

import java.util.List;
import java.util.Objects;

import org.carrier.api.message.SmtpReply;

/**
 * Where one recipient's mail goes: which route matched, the destination kind, the transport that
 * delivers it and the next hops to try in order, or the reply to refuse it with.
 *
 * @param routeName   the name of the matching route, for logs ("local" for local domains)
 * @param destination the kind of destination
 * @param transport   the {@code Transport} service name ({@code carrier.transport} property), or {@code null} when refused
 * @param nextHops    hosts to try in order; empty when the transport needs none
 * @param options     TLS policy and credentials the transport applies to the next hops
 * @param refusal     the reply for a refused recipient, or {@code null}; a 5xx refusal fails the recipient,
 *                    a 4xx one (e.g. a DNS timeout, RFC 3463 X.4.3) defers it
 */
public record RouteDecision(String routeName, Destination destination, String transport,
                            List<NextHop> nextHops, TransportOptions options, SmtpReply refusal) {
    public RouteDecision {
        Objects.requireNonNull(routeName, "routeName");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(options, "options");
        nextHops = List.copyOf(nextHops);
        if ((destination == Destination.REFUSED) != (refusal != null)) {
            throw new IllegalArgumentException("a refusal reply is required exactly for REFUSED decisions");
        }
        if (destination != Destination.REFUSED && transport == null) {
            throw new IllegalArgumentException("a transport is required");
        }
    }

    /** A local mailbox delivered by {@code transport}. */
    public static RouteDecision local(String routeName, String transport) {
        return new RouteDecision(routeName, Destination.LOCAL, transport, List.of(), TransportOptions.DEFAULT, null);
    }

    /** A remote recipient delivered by {@code transport} via {@code nextHops}. */
    public static RouteDecision remote(String routeName, String transport, List<NextHop> nextHops) {
        return remote(routeName, transport, nextHops, TransportOptions.DEFAULT);
    }

    /** A remote recipient delivered by {@code transport} via {@code nextHops} with {@code options}. */
    public static RouteDecision remote(String routeName, String transport, List<NextHop> nextHops,
                                       TransportOptions options) {
        return new RouteDecision(routeName, Destination.REMOTE, transport, nextHops, options, null);
    }

    /** A recipient refused with {@code reply}. */
    public static RouteDecision refused(String routeName, SmtpReply reply) {
        return new RouteDecision(routeName, Destination.REFUSED, null, List.of(), TransportOptions.DEFAULT, reply);
    }

    @Override
    public String toString() {
        return switch (destination) {
            case REFUSED -> "route=" + routeName + " refused (" + refusal + ")";
            default -> "route=" + routeName + " transport=" + transport + (nextHops.isEmpty() ? "" : " via " + nextHops);
        };
    }
}
