package org.carrier.api.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.SmtpReply;

/**
 * One route's settings, checked by the one rule the router and the web console share: the router uses a route only
 * if this accepts it, and the console stores only what this accepts, so a file cannot hold a route the console
 * refuses, nor the console write one the router would not use.
 * <p>
 * A route is a factory configuration {@value #FACTORY_PID} (a file {@code config/org.carrier.route-NAME.cfg}) with
 * the keys below. Its patterns are exact domains, {@code *.example.com} (any subdomain, not the domain itself) or
 * {@code *}, each label as RFC 1035 §2.3.1 writes it ({@link ConfigLists#domainPatterns}).
 *
 * @param name      for logs and the route decision; the configuration's PID when the setting is empty
 * @param patterns  the domain patterns, lower case (IDNs as A-labels)
 * @param transport the {@code transport} setting, lower case
 * @param kind      what the route does; {@link Kind#OTHER} is an installed transport named {@code transport}
 * @param nextHops  the next hops, with the route's port where a hop names none
 * @param port      the port of MX hosts and of next hops without one (25, 24 for lmtp, unless set)
 * @param refusal   the reply of a reject route, else {@code null}
 */
public record RouteSpec(String name, List<String> patterns, String transport, Kind kind, List<NextHop> nextHops,
                        int port, TransportOptions options, SmtpReply refusal, int order) {
    /** The factory PID of route configurations. */
    public static final String FACTORY_PID = "org.carrier.route";
    /** The PID of the router's own configuration (local domains, tables). */
    public static final String ROUTER_PID = "org.carrier.router";

    public static final String NAME = "name";
    public static final String DOMAINS = "domains";
    public static final String TRANSPORT = "transport";
    public static final String NEXT_HOPS = "nextHops";
    public static final String PORT = "port";
    public static final String TLS = "tls";
    public static final String AUTH_USER = "authUser";
    public static final String AUTH_PASSWORD = "authPassword";
    public static final String REJECT_CODE = "rejectCode";
    public static final String REJECT_TEXT = "rejectText";
    public static final String ORDER = "order";

    public static final String DEFAULT_TRANSPORT = "smtp";
    /** The {@code tls} of routes other than {@code mx} when the setting is empty. */
    public static final String DEFAULT_TLS = "may";
    /** The {@code tls} of {@code mx} routes when the setting is empty (since 1.5; it was {@code may}). */
    public static final String DEFAULT_MX_TLS = "dane";
    public static final int DEFAULT_REJECT_CODE = 550;
    public static final int DEFAULT_ORDER = 100;
    static final int SMTP_PORT = 25;
    /** RFC 2033 §4 asks LMTP not to use port 25; 24 is its registered port. */
    static final int LMTP_PORT = 24;

    /** A name that reads as one word in a log line and makes a file name: {@code org.carrier.route-NAME.cfg}. */
    private static final Pattern NAME_RULE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** An installed transport's name, as its service property gives it. */
    private static final Pattern TRANSPORT_RULE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

    /** What a route does with its mail. */
    public enum Kind {
        /** Deliver over SMTP to the domain's MX hosts, found in DNS. */
        MX,
        /** Relay over SMTP to the configured next hops (a smarthost). */
        SMTP,
        /** Deliver over LMTP to the configured next hops (e.g. Dovecot). */
        LMTP,
        /** Deliver to local mailboxes. */
        LOCAL,
        /** Accept and drop, with a log line. */
        DISCARD,
        /** Refuse with the configured reply, at RCPT and at delivery. */
        REJECT,
        /** Keep queued (deferred at every attempt) until the route changes. */
        HOLD,
        /** Any other installed transport, with the configured next hops. */
        OTHER;

        /** Whether a route of this kind names its next hops. */
        public boolean takesNextHops() {
            return this == SMTP || this == LMTP || this == OTHER;
        }

        static Kind of(String transport) {
            try {
                return valueOf(transport.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return OTHER;
            }
        }
    }

    public RouteSpec {
        patterns = List.copyOf(patterns);
        nextHops = List.copyOf(nextHops);
    }

    /**
     * The route the configuration properties {@code p} describe: text (a list setting as a comma separated String or
     * as a String[]), numbers as Integer, Long or their text. An absent key has its default, as in the route's
     * configuration; an empty {@code name} is the {@code service.pid}, and is required without one.
     *
     * @throws ConfigProblem naming the first setting that cannot be used, in the order of the keys above
     */
    public static RouteSpec parse(Map<String, ?> p) {
        List<ConfigProblem> problems = new ArrayList<>();
        RouteSpec spec = check(p, problems);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
        return spec;
    }

    /** Every setting of {@link #parse} that cannot be used, in the order of the keys above; empty for a good route. */
    public static List<ConfigProblem> problems(Map<String, ?> p) {
        List<ConfigProblem> problems = new ArrayList<>();
        check(p, problems);
        return List.copyOf(problems);
    }

    /** The route, or null with {@code problems} filled; each check runs even when an earlier one failed. */
    private static RouteSpec check(Map<String, ?> p, List<ConfigProblem> problems) {
        Checks checks = new Checks(problems);
        String name = checks.run(NAME, p.get(NAME), () -> name(text(p.get(NAME)), p.get("service.pid")), "");
        List<String> patterns = checks.run(DOMAINS, p.get(DOMAINS), () -> patterns(text(p.get(DOMAINS))), List.of());
        String transport = checks.run(TRANSPORT, p.get(TRANSPORT), () -> transport(p.get(TRANSPORT)), null);
        Kind kind = transport == null ? null : Kind.of(transport);
        int port = checks.run(PORT, p.get(PORT), () -> ConfigProblem.between(PORT, number(p.get(PORT), 0), 0, 65535), 0);
        int defaultPort = port > 0 ? port : kind == Kind.LMTP ? LMTP_PORT : SMTP_PORT;
        List<NextHop> hops = checks.run(NEXT_HOPS, p.get(NEXT_HOPS), () -> hops(text(p.get(NEXT_HOPS)), kind, defaultPort), List.of());
        TransportOptions options = checks.run(TLS, p.get(TLS), () -> options(p, kind, hops), TransportOptions.DEFAULT);
        SmtpReply refusal = kind != Kind.REJECT ? null : checks.run(REJECT_CODE, p.get(REJECT_CODE),
                () -> refusal(number(p.get(REJECT_CODE), DEFAULT_REJECT_CODE), text(p.get(REJECT_TEXT))), null);
        int order = checks.run(ORDER, p.get(ORDER), () -> number(p.get(ORDER), DEFAULT_ORDER), DEFAULT_ORDER);
        return problems.isEmpty() ? new RouteSpec(name, patterns, transport, kind, hops, defaultPort, options, refusal, order) : null;
    }

    /** Runs one check, collecting its problem (named by its key and value) instead of stopping at it. */
    private record Checks(List<ConfigProblem> problems) {
        <T> T run(String key, Object value, Supplier<T> check, T otherwise) {
            try {
                return ConfigProblem.check(key, text(value), check);
            } catch (ConfigProblem e) {
                problems.add(e);
                return otherwise;
            }
        }
    }

    private static String name(String name, Object pid) {
        if (name.isEmpty() && pid != null) {
            return pid.toString();
        }
        if (!NAME_RULE.matcher(name).matches()) {
            throw new ConfigProblem(NAME, name.isEmpty() ? null : name, name.isEmpty() ? "a route needs a name"
                    : "letters, digits, '.', '_' and '-' only, at most 64, starting with a letter or digit");
        }
        return name;
    }

    private static List<String> patterns(String domains) {
        List<String> patterns = ConfigLists.domainPatterns(DOMAINS, domains);
        if (patterns.isEmpty()) {
            throw new ConfigProblem(DOMAINS, null, "a route needs at least one domain, *.domain or *");
        }
        return patterns;
    }

    private static String transport(Object value) {
        String transport = value == null ? DEFAULT_TRANSPORT : text(value).toLowerCase(Locale.ROOT);
        if (transport.isEmpty()) {
            throw new ConfigProblem(TRANSPORT, null,
                    "a route needs a transport: mx, smtp, lmtp, local, discard, reject, hold or an installed transport's name");
        }
        if (!TRANSPORT_RULE.matcher(transport).matches()) {
            throw new ConfigProblem(TRANSPORT, transport, "not a transport name (letters, digits, '.', '_' and '-')");
        }
        return transport;
    }

    /** The next hops; checked against the transport only once it is known to be valid. */
    private static List<NextHop> hops(String text, Kind kind, int port) {
        List<NextHop> hops = new ArrayList<>();
        for (String hop : ConfigLists.names(NEXT_HOPS, text)) {
            hops.add(ConfigProblem.check(NEXT_HOPS, hop, () -> NextHop.parse(hop, port)));
        }
        if (kind == null) {
            return hops;
        }
        String transport = kind.name().toLowerCase(Locale.ROOT);
        if ((kind == Kind.SMTP || kind == Kind.LMTP) && hops.isEmpty()) {
            throw new ConfigProblem(NEXT_HOPS, null, "the " + transport + " transport needs at least one next hop (host:port)");
        }
        if (!kind.takesNextHops() && !hops.isEmpty()) {
            throw new ConfigProblem(NEXT_HOPS, text, "a " + transport + " route takes no next hops"
                    + (kind == Kind.MX ? " (it finds the MX hosts in DNS; use smtp for fixed next hops)" : ""));
        }
        return hops;
    }

    /**
     * The {@code tls} an empty setting means for a transport: {@code dane} for {@code mx} routes, {@code may} for the
     * others.
     *
     * @since 1.5
     */
    public static String defaultTls(String transport) {
        return Kind.MX.name().equalsIgnoreCase(transport == null ? "" : transport.strip()) ? DEFAULT_MX_TLS : DEFAULT_TLS;
    }

    private static TransportOptions options(Map<String, ?> p, Kind kind, List<NextHop> hops) {
        String tlsText = text(p.get(TLS));
        String configured = tlsText.isEmpty() ? (kind == Kind.MX ? DEFAULT_MX_TLS : DEFAULT_TLS) : tlsText;
        TlsPolicy tls = TlsPolicy.parse(configured).orElseThrow(
                () -> new ConfigProblem(TLS, tlsText, "not one of none, may, encrypt, verify, dane, dane-only"));
        if (tls.usesDane() && kind != null) {
            checkDaneHops(tls, tlsText, kind, hops);
        }
        String user = blankToNull(text(p.get(AUTH_USER)));
        String password = blankToNull(text(p.get(AUTH_PASSWORD)));
        if ((user == null) != (password == null)) {
            throw new ConfigProblem(user == null ? AUTH_USER : AUTH_PASSWORD, null, "AUTH needs both a user and a password");
        }
        if (user != null && tls == TlsPolicy.NONE) {
            // RFC 4954 §4 / RFC 8314: credentials are never sent in the clear.
            throw new ConfigProblem(TLS, tlsText, "AUTH needs TLS: encrypt or verify, or may");
        }
        return new TransportOptions(tls, user, password);
    }

    /**
     * DANE needs a TLSA base domain (RFC 7672 §2.2.2, §3.2.2): an MX host, or a next hop named by a host name. An IP
     * literal or a Unix socket has none, and LMTP is not SMTP to a remote domain, so such a route cannot use it.
     */
    private static void checkDaneHops(TlsPolicy tls, String tlsText, Kind kind, List<NextHop> hops) {
        if (kind != Kind.MX && kind != Kind.SMTP) {
            throw new ConfigProblem(TLS, tlsText, tls.configName() + " is for mx and smtp routes only");
        }
        for (NextHop hop : hops) {
            if (hop.host().startsWith("/") || !hop.host().matches(".*[A-Za-z].*") || hop.host().indexOf(':') >= 0) {
                throw new ConfigProblem(TLS, tlsText, tls.configName() + " needs next hops named by host names (the TLSA base "
                        + "domain, RFC 7672 §2.2.2), not " + hop.host());
            }
        }
    }

    private static SmtpReply refusal(int code, String text) {
        if (code < 400 || code > 599) {
            throw new ConfigProblem(REJECT_CODE, code, "a reject route needs a 4xx or 5xx code");
        }
        String reply = text.isEmpty() ? (code >= 500 ? "5.7.1" : "4.7.1") + " mail for this domain is not accepted" : text;
        SmtpReply parsed = SmtpReply.parse(code, reply);
        if (parsed.enhancedStatus() == null && reply.matches("^[245]\\.\\d+\\.\\d+.*")) {
            throw new ConfigProblem(REJECT_TEXT, reply, "its status code's class does not match the reply code " + code);
        }
        return parsed;
    }

    /** A whole number setting: an Integer or Long as the console stores it, or its text as a file gives it. */
    private static int number(Object value, int fallback) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        String text = text(value);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    /** A setting as text, stripped; a list (String[], as DS may hand it over) as its elements joined by commas. */
    private static String text(Object value) {
        if (value instanceof Object[] list) {
            StringJoiner joined = new StringJoiner(",");
            for (Object element : list) {
                joined.add(String.valueOf(element));
            }
            return joined.toString().strip();
        }
        return value == null ? "" : value.toString().strip();
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
