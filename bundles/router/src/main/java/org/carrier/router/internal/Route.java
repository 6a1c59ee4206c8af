package org.carrier.router.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.RouteSpec;
import org.carrier.api.route.RouteSpec.Kind;
import org.carrier.api.route.TransportOptions;

/**
 * One validated route: the domain patterns it matches and what happens to their mail. Its settings are checked by
 * the api's {@link RouteSpec}, the rule the web console checks a route by too.
 *
 * @param kind      what the route does; {@link Kind#OTHER} hands the mail to the installed transport {@code transport}
 * @param transport the transport service name the decision names
 * @param port      the port of MX hosts (mx routes)
 * @param refusal   the reply of a reject route, else {@code null}
 */
record Route(String name, List<String> patterns, Kind kind, String transport, List<NextHop> nextHops, int port,
             TransportOptions options, SmtpReply refusal, int order) {

    /** The settings of a route as configured, before validation. */
    record Settings(String name, String[] domains, String transport, String[] nextHops, int port, String tls,
                    String authUser, String authPassword, int rejectCode, String rejectText, int order) {
        /** Settings whose lists are each one comma separated value, as a {@code .cfg} file gives them. */
        Settings(String name, String domains, String transport, String nextHops, int port, String tls,
                 String authUser, String authPassword, int rejectCode, String rejectText, int order) {
            this(name, new String[] {domains}, transport, new String[] {nextHops}, port, tls, authUser, authPassword,
                    rejectCode, rejectText, order);
        }

        /** A route with the given essentials and every other setting at its default. */
        static Settings of(String name, String domains, String transport, String nextHops, int order) {
            return new Settings(name, domains, transport, nextHops, 0, "may", "", "", 550, "", order);
        }

        /** The configuration properties these settings are. */
        Map<String, Object> properties() {
            Map<String, Object> p = new HashMap<>();
            p.put(RouteSpec.NAME, name);
            p.put(RouteSpec.DOMAINS, domains);
            p.put(RouteSpec.TRANSPORT, transport);
            p.put(RouteSpec.NEXT_HOPS, nextHops);
            p.put(RouteSpec.PORT, port);
            p.put(RouteSpec.TLS, tls);
            p.put(RouteSpec.AUTH_USER, authUser);
            p.put(RouteSpec.AUTH_PASSWORD, authPassword);
            p.put(RouteSpec.REJECT_CODE, rejectCode);
            p.put(RouteSpec.REJECT_TEXT, rejectText);
            p.put(RouteSpec.ORDER, order);
            p.values().removeIf(v -> v == null);
            return p;
        }
    }

    Route {
        patterns = List.copyOf(patterns);
        nextHops = List.copyOf(nextHops);
    }

    /** A route from configuration text, or a {@link ConfigProblem} naming the bad field. */
    static Route parse(String name, String domains, String transport, String nextHops, int order) {
        return parse(Settings.of(name, domains, transport, nextHops, order));
    }

    /** A route from configuration text, or a {@link ConfigProblem} naming the bad field. */
    static Route parse(Settings s) {
        return of(RouteSpec.parse(s.properties()));
    }

    /** The route a checked specification describes. */
    static Route of(RouteSpec spec) {
        String routeTransport = switch (spec.kind()) {
            case MX -> MxRouting.SMTP;
            case REJECT -> null;
            default -> spec.transport();
        };
        return new Route(spec.name(), spec.patterns(), spec.kind(), routeTransport, spec.nextHops(), spec.port(),
                spec.options(), spec.refusal(), spec.order());
    }

    /** What this route does with mail for {@code recipient}; mx routes ask DNS through {@code mx}. */
    RouteDecision decide(MailAddress recipient, MxRouting mx) {
        return switch (kind) {
            case MX -> mx.route(name, recipient, port, options.forMxHosts());
            case LOCAL, DISCARD -> RouteDecision.local(name, transport);
            case REJECT -> RouteDecision.refused(name, refusal);
            default -> RouteDecision.remote(name, transport, nextHops, options);
        };
    }

    /** Whether {@link #decide} answers from memory: every kind but MX, which asks DNS. */
    boolean answersAtOnce() {
        return kind != Kind.MX;
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

    /** The pattern that gave {@link #specificity}, for the log line explaining a choice. */
    String matchingPattern(String domain) {
        int score = specificity(domain);
        return patterns.stream().filter(p -> score == Integer.MAX_VALUE ? p.equals(domain)
                : score == 0 ? p.equals("*") : p.length() == score && p.startsWith("*.") && domain.endsWith(p.substring(1)))
                .findFirst().orElse("?");
    }

}
