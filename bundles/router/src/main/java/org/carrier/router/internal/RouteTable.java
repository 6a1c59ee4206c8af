package org.carrier.router.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.RouteDecision;

/**
 * An immutable snapshot of the routing rules: local domains first, then the most specific route.
 * The router swaps in a new table on every change, so a lookup never sees half an update.
 */
final class RouteTable {
    private static final Comparator<Route> TIE_BREAK = Comparator.comparingInt(Route::order).thenComparing(Route::name);

    private final Set<String> localDomains;
    private final String localTransport;
    private final List<Route> routes;

    RouteTable(Set<String> localDomains, String localTransport, List<Route> routes) {
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.localTransport = localTransport;
        this.routes = routes.stream().sorted(TIE_BREAK).toList();
    }

    RouteDecision route(MailAddress recipient) {
        String domain = recipient.domain();
        if (localDomains.contains(domain)) {
            return RouteDecision.local("local", localTransport);
        }
        Route best = null;
        int bestScore = -1;
        for (Route r : routes) {
            int score = r.specificity(domain);
            if (score > bestScore) {
                best = r;
                bestScore = score;
            }
        }
        if (best == null) {
            // RFC 3463 §3.5: X.4.4 "Unable to route"; refused at RCPT rather than bounced later.
            return RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "<" + recipient + ">: no route to domain " + domain));
        }
        return RouteDecision.remote(best.name(), best.transport(), best.nextHops());
    }

    RouteTable withLocalDomains(Set<String> domains, String transport) {
        return new RouteTable(domains, transport, routes);
    }

    RouteTable withRoutes(List<Route> newRoutes) {
        return new RouteTable(localDomains, localTransport, newRoutes);
    }
}
