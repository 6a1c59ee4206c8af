package org.carrier.admin.internal.console;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.route.RouteSpec;

/**
 * The Routes page's form, checked before anything is stored: a bad field is refused with its name and the reason,
 * and the route table stays as it was. The check is the router's own ({@link RouteSpec}, in the api), applied to the
 * route as it would be stored (the form's fields over the route's other settings), so the console refuses exactly
 * what the router would not use, and nothing else.
 *
 * @param name      the route's name: the configuration's name and its file {@code org.carrier.route-NAME.cfg}
 * @param domains   domain patterns, as written to the configuration (comma separated)
 * @param transport mx, smtp, lmtp, local, discard, reject, hold, or another installed transport's name
 * @param nextHops  host:port list, as written (comma separated); empty for transports that take none
 * @param port      0 for the transport's default
 * @param tls       none, may, encrypt, verify, dane or dane-only
 * @param order     among equally specific routes, the lowest wins
 */
public record RouteForm(String name, String domains, String transport, String nextHops, int port, String tls, int order) {
    /** The route settings the form has a field for, in form order. */
    public static final List<String> FIELDS = List.of(RouteSpec.NAME, RouteSpec.DOMAINS, RouteSpec.TRANSPORT, RouteSpec.NEXT_HOPS,
            RouteSpec.PORT, RouteSpec.TLS, RouteSpec.ORDER);

    /** A refused form: each bad field with what is wrong with it, in form order. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, String> problems;

        Invalid(Map<String, String> problems) {
            super(describe(problems));
            this.problems = Map.copyOf(problems);
        }

        public Map<String, String> problems() {
            return problems;
        }

        private static String describe(Map<String, String> problems) {
            StringJoiner all = new StringJoiner("; ", "the route was not saved: ", "");
            problems.forEach((field, problem) -> all.add(field + ": " + problem));
            return all.toString();
        }
    }

    /** A new route from the form's fields (by name, as the browser sent them), or {@link Invalid} naming every bad field. */
    public static RouteForm parse(Function<String, String> fields) {
        return parse(fields, Map.of());
    }

    /**
     * The form's fields over a route's other settings {@code kept} (AUTH, the reject reply; none for a new route),
     * checked as the router checks the route they make together.
     *
     * @throws Invalid naming every bad setting
     */
    static RouteForm parse(Function<String, String> fields, Map<String, ?> kept) {
        Map<String, Object> route = new HashMap<>(kept);
        FIELDS.forEach(field -> route.put(field, trimmed(fields.apply(field))));
        List<ConfigProblem> refused = RouteSpec.problems(route);
        if (!refused.isEmpty()) {
            Map<String, String> problems = new LinkedHashMap<>();
            refused.forEach(p -> problems.putIfAbsent(p.key(), p.value() == null ? p.reason() : p.reason() + ": " + p.value()));
            throw new Invalid(problems);
        }
        RouteSpec spec = RouteSpec.parse(route);
        String port = trimmed(fields.apply(RouteSpec.PORT));
        String tls = trimmed(fields.apply(RouteSpec.TLS)).toLowerCase(Locale.ROOT);
        // stored as written (a hop without a port takes the route's port when that changes), by the list rule checked above
        String hops = String.join(", ", ConfigLists.names(RouteSpec.NEXT_HOPS, trimmed(fields.apply(RouteSpec.NEXT_HOPS))));
        return new RouteForm(trimmed(fields.apply(RouteSpec.NAME)), String.join(", ", spec.patterns()), spec.transport(), hops,
                port.isEmpty() ? 0 : Integer.parseInt(port), tls.isEmpty() ? RouteSpec.defaultTls(spec.transport()) : tls, spec.order());
    }

    /** The configuration properties this form sets; the others (AUTH, reject reply) are left as they are. */
    Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(RouteSpec.NAME, name);
        p.put(RouteSpec.DOMAINS, domains);
        p.put(RouteSpec.TRANSPORT, transport);
        p.put(RouteSpec.NEXT_HOPS, nextHops);
        p.put(RouteSpec.PORT, port);
        p.put(RouteSpec.TLS, tls);
        p.put(RouteSpec.ORDER, order);
        return p;
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }
}
