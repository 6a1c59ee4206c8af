package org.carrier.router.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.carrier.api.route.NextHop;

/**
 * One validated route: the domain patterns it matches, its transport and next hops.
 * Patterns are an exact domain, {@code *.example.com} (any subdomain, not the domain itself), or {@code *}.
 */
record Route(String name, List<String> patterns, String transport, List<NextHop> nextHops, int order) {
    static final int SMTP_PORT = 25;

    Route {
        patterns = List.copyOf(patterns);
        nextHops = List.copyOf(nextHops);
    }

    /**
     * A route from configuration text, or an {@link InvalidRouteException} naming the bad field.
     */
    static Route parse(String name, String domains, String transport, String nextHops, int order) {
        List<String> patterns = split(domains).stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        if (patterns.isEmpty()) {
            throw new InvalidRouteException("domains", "a route needs at least one domain, *.domain or *");
        }
        for (String p : patterns) {
            if (!p.equals("*") && (p.substring(p.startsWith("*.") ? 2 : 0).isEmpty() || p.indexOf('*', p.startsWith("*.") ? 1 : 0) >= 0)) {
                throw new InvalidRouteException("domains", "not a domain, *.domain or *: " + p);
            }
        }
        if (transport == null || transport.isBlank()) {
            throw new InvalidRouteException("transport", "a route needs a transport");
        }
        List<NextHop> hops = new ArrayList<>();
        for (String hop : split(nextHops)) {
            try {
                hops.add(NextHop.parse(hop, SMTP_PORT));
            } catch (IllegalArgumentException e) {
                throw new InvalidRouteException("nextHops", e.getMessage());
            }
        }
        if (transport.trim().equals("smtp") && hops.isEmpty()) {
            throw new InvalidRouteException("nextHops", "the smtp transport needs at least one next hop (host:port)");
        }
        return new Route(name, patterns, transport.trim(), hops, order);
    }

    /**
     * How specifically this route matches {@code domain}: -1 for no match; exact matches rank above
     * every wildcard, a longer wildcard suffix above a shorter one, and {@code *} lowest (0).
     */
    int specificity(String domain) {
        int best = -1;
        for (String p : patterns) {
            if (p.equals(domain)) {
                return Integer.MAX_VALUE;
            }
            if (p.equals("*")) {
                best = Math.max(best, 0);
            } else if (p.startsWith("*.") && domain.endsWith(p.substring(1))) {
                best = Math.max(best, p.length());
            }
        }
        return best;
    }

    static List<String> split(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return List.of(text.trim().split("[\\s,]+"));
    }
}
