package org.carrier.admin.internal.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.route.NextHop;

/**
 * The Routes page's form, checked before anything is stored: a bad field is refused with its name and the reason,
 * and the route table stays as it was. The rules are the router's (README "Routes"), checked here as well so that
 * the page can say what is wrong instead of storing a route the router would refuse to use.
 *
 * @param name      the route's name: the configuration's name and its file {@code org.carrier.route-NAME.cfg}
 * @param domains   domain patterns, as written to the configuration (comma separated)
 * @param transport mx, smtp, lmtp, local, discard, reject, hold, or another installed transport's name
 * @param nextHops  host:port list, as written (comma separated); empty for transports that take none
 * @param port      0 for the transport's default
 * @param tls       none, may, encrypt or verify
 * @param order     among equally specific routes, the lowest wins
 */
record RouteForm(String name, String domains, String transport, String nextHops, int port, String tls, int order) {
    static final Set<String> TLS = Set.of("none", "may", "encrypt", "verify");
    private static final Set<String> NO_HOPS = Set.of("mx", "local", "discard", "reject", "hold");
    private static final Set<String> NEED_HOPS = Set.of("smtp", "lmtp");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern TRANSPORT = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

    /** A refused form: each bad field with what is wrong with it, in form order. */
    static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, String> problems;

        Invalid(Map<String, String> problems) {
            super(describe(problems));
            this.problems = Map.copyOf(problems);
        }

        Map<String, String> problems() {
            return problems;
        }

        private static String describe(Map<String, String> problems) {
            StringJoiner all = new StringJoiner("; ", "the route was not saved: ", "");
            problems.forEach((field, problem) -> all.add(field + ": " + problem));
            return all.toString();
        }
    }

    /** The form from its fields (by name, as the browser sent them), or {@link Invalid} naming every bad field. */
    static RouteForm parse(Function<String, String> fields) {
        Map<String, String> problems = new LinkedHashMap<>();
        String name = trimmed(fields.apply("name"));
        if (!NAME.matcher(name).matches()) {
            problems.put("name", name.isEmpty() ? "a route needs a name"
                    : "letters, digits, '.', '_' and '-' only, at most 64, starting with a letter or digit: " + name);
        }
        String domains = String.join(", ", domains(trimmed(fields.apply("domains")), problems));
        String transport = trimmed(fields.apply("transport")).toLowerCase(Locale.ROOT);
        if (!TRANSPORT.matcher(transport).matches()) {
            problems.put("transport", transport.isEmpty() ? "a route needs a transport: mx, smtp, lmtp, local, discard, reject or hold"
                    : "not a transport name: " + transport);
        }
        int port = number(fields.apply("port"), "port", 0, 0, 65535, problems);
        String nextHops = String.join(", ", hops(trimmed(fields.apply("nextHops")), transport, problems));
        String tls = trimmed(fields.apply("tls")).toLowerCase(Locale.ROOT);
        tls = tls.isEmpty() ? "may" : tls;
        if (!TLS.contains(tls)) {
            problems.put("tls", "one of none, may, encrypt, verify: " + tls);
        }
        int order = number(fields.apply("order"), "order", 100, Integer.MIN_VALUE, Integer.MAX_VALUE, problems);
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return new RouteForm(name, domains, transport, nextHops, port, tls, order);
    }

    /** The configuration properties this form sets; the others (AUTH, reject reply) are left as they are. */
    Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("domains", domains);
        p.put("transport", transport);
        p.put("nextHops", nextHops);
        p.put("port", port);
        p.put("tls", tls);
        p.put("order", order);
        return p;
    }

    /**
     * Exact domains, {@code *.domain} (its subdomains) or {@code *}; at least one. Read by the same list rule as the
     * route's configuration file (api {@link ConfigLists}), so the console refuses exactly what the router would.
     */
    private static List<String> domains(String text, Map<String, String> problems) {
        List<String> patterns = list("domains", text, problems, ConfigLists::domainPatterns);
        if (patterns.isEmpty() && !problems.containsKey("domains")) {
            problems.put("domains", "a route needs at least one domain, *.domain or *");
        }
        return patterns;
    }

    /** The elements of a comma separated field, or none with the field's problem recorded. */
    private static List<String> list(String field, String text, Map<String, String> problems,
                                     BiFunction<String, String, List<String>> parser) {
        try {
            return parser.apply(field, text);
        } catch (ConfigProblem e) {
            problems.put(field, e.reason() + ": " + e.value());
            return List.of();
        }
    }

    private static List<String> hops(String text, String transport, Map<String, String> problems) {
        List<String> hops = list("nextHops", text, problems, ConfigLists::names);
        if (problems.containsKey("nextHops")) {
            return hops;
        }
        if (NEED_HOPS.contains(transport) && hops.isEmpty()) {
            problems.put("nextHops", "the " + transport + " transport needs at least one next hop (host:port)");
        } else if (NO_HOPS.contains(transport) && !hops.isEmpty()) {
            problems.put("nextHops", "a " + transport + " route takes no next hops"
                    + (transport.equals("mx") ? " (it finds the MX hosts in DNS; use smtp for fixed next hops)" : ""));
        }
        List<String> checked = new ArrayList<>();
        for (String hop : hops) {
            try {
                NextHop.parse(hop, 25); // only to check it: the hop is stored as written, its port may come from the route
                checked.add(hop);
            } catch (IllegalArgumentException e) {
                problems.put("nextHops", e.getMessage());
                break;
            }
        }
        return checked;
    }

    private static int number(String text, String field, int fallback, int min, int max, Map<String, String> problems) {
        String value = trimmed(text);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                problems.put(field, "from " + min + " to " + max + ": " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            problems.put(field, "not a whole number: " + value);
            return fallback;
        }
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }
}
