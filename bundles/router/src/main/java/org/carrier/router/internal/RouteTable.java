package org.carrier.router.internal;

import java.util.Comparator;
import java.util.List;

/**
 * An immutable snapshot of the routes. The router swaps in a new table on every change, so a lookup never sees
 * half an update.
 */
final class RouteTable {
    private static final Comparator<Route> TIE_BREAK = Comparator.comparingInt(Route::order).thenComparing(Route::name);

    /** The route chosen for a domain and why, for the log line that explains each decision. */
    record Match(Route route, String why) {
    }

    private final List<Route> routes;

    RouteTable(List<Route> routes) {
        this.routes = routes.stream().sorted(TIE_BREAK).toList();
    }

    /** The most specific route for {@code domain}; among equally specific ones the lowest order, then name; or null. */
    Match best(String domain) {
        Route best = null;
        int bestScore = -1;
        int ties = 0;
        for (Route r : routes) {
            int score = r.specificity(domain);
            if (score > bestScore) {
                best = r;
                bestScore = score;
                ties = 0;
            } else if (score == bestScore && score >= 0) {
                ties++;
            }
        }
        if (best == null) {
            return null;
        }
        String pattern = best.matchingPattern(domain);
        String how = bestScore == Integer.MAX_VALUE ? "exact match " + pattern
                : bestScore == 0 ? "default route *" : "wildcard " + pattern;
        return new Match(best, how + (ties > 0 ? ", order " + best.order() + " beats " + ties + " other(s) as specific" : ""));
    }

    List<Route> routes() {
        return routes;
    }
}
