package org.carrier.router.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;

/**
 * One validated route: the domain patterns it matches and what happens to their mail.
 * Patterns are an exact domain, {@code *.example.com} (any subdomain, not the domain itself), or {@code *}.
 *
 * @param kind      what the route does; {@link Kind#OTHER} hands the mail to the installed transport {@code transport}
 * @param transport the transport service name the decision names
 * @param port      the port of MX hosts (mx routes)
 * @param refusal   the reply of a reject route, else {@code null}
 */
record Route(String name, List<String> patterns, Kind kind, String transport, List<NextHop> nextHops, int port,
             TransportOptions options, SmtpReply refusal, int order) {
    static final int SMTP_PORT = 25;
    /** RFC 2033 §4 asks LMTP not to use port 25; 24 is its registered port. */
    static final int LMTP_PORT = 24;

    /** What a route does with its mail. */
    enum Kind {
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
        OTHER
    }

    /** The settings of a route as configured, before validation. */
    record Settings(String name, String domains, String transport, String nextHops, int port, String tls,
                    String authUser, String authPassword, int rejectCode, String rejectText, int order) {
        /** A route with the given essentials and every other setting at its default. */
        static Settings of(String name, String domains, String transport, String nextHops, int order) {
            return new Settings(name, domains, transport, nextHops, 0, "may", "", "", 550, "", order);
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
        List<String> patterns = patterns(s.domains());
        if (s.transport() == null || s.transport().isBlank()) {
            throw new ConfigProblem("transport", s.transport(), "a route needs a transport: mx, smtp, lmtp, local, discard, reject, hold or an installed transport's name");
        }
        String transport = s.transport().trim().toLowerCase(Locale.ROOT);
        Kind kind = kind(transport);
        ConfigProblem.between("port", s.port(), 0, 65535);
        int port = s.port() > 0 ? s.port() : kind == Kind.LMTP ? LMTP_PORT : SMTP_PORT;
        List<NextHop> hops = hops(s.nextHops(), port);
        boolean takesHops = kind == Kind.SMTP || kind == Kind.LMTP || kind == Kind.OTHER;
        if ((kind == Kind.SMTP || kind == Kind.LMTP) && hops.isEmpty()) {
            throw new ConfigProblem("nextHops", s.nextHops(), "the " + transport + " transport needs at least one next hop (host:port)");
        }
        if (!takesHops && !hops.isEmpty()) {
            throw new ConfigProblem("nextHops", s.nextHops(), "a " + transport + " route takes no next hops"
                    + (kind == Kind.MX ? " (it finds the MX hosts in DNS; use smtp for fixed next hops)" : ""));
        }
        String routeTransport = switch (kind) {
            case MX -> MxRouting.SMTP;
            case REJECT -> null;
            default -> transport;
        };
        SmtpReply refusal = kind == Kind.REJECT ? refusal(s.rejectCode(), s.rejectText()) : null;
        return new Route(s.name(), patterns, kind, routeTransport, hops, port, options(s), refusal, s.order());
    }

    private static List<String> patterns(String domains) {
        List<String> patterns = ConfigLists.domainPatterns("domains", domains);
        if (patterns.isEmpty()) {
            throw new ConfigProblem("domains", domains == null ? "" : domains, "a route needs at least one domain, *.domain or *");
        }
        return patterns;
    }

    private static Kind kind(String transport) {
        try {
            return Kind.valueOf(transport.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Kind.OTHER;
        }
    }

    private static List<NextHop> hops(String nextHops, int port) {
        List<NextHop> hops = new ArrayList<>();
        for (String hop : ConfigLists.names("nextHops", nextHops)) {
            hops.add(ConfigProblem.check("nextHops", hop, () -> NextHop.parse(hop, port)));
        }
        return hops;
    }

    private static TransportOptions options(Settings s) {
        TlsPolicy tls;
        try {
            tls = TlsPolicy.valueOf((s.tls() == null || s.tls().isBlank() ? "may" : s.tls().trim()).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigProblem("tls", s.tls(), "not one of none, may, encrypt, verify");
        }
        String user = blankToNull(s.authUser());
        String password = blankToNull(s.authPassword());
        if ((user == null) != (password == null)) {
            throw new ConfigProblem(user == null ? "authUser" : "authPassword", null, "AUTH needs both a user and a password");
        }
        if (user != null && tls == TlsPolicy.NONE) {
            // RFC 4954 §4 / RFC 8314: credentials are never sent in the clear.
            throw new ConfigProblem("tls", s.tls(), "AUTH needs TLS: encrypt or verify, or may");
        }
        return new TransportOptions(tls, user, password);
    }

    private static SmtpReply refusal(int code, String text) {
        if (code < 400 || code > 599) {
            throw new ConfigProblem("rejectCode", code, "a reject route needs a 4xx or 5xx code");
        }
        String reply = text == null || text.isBlank()
                ? (code >= 500 ? "5.7.1" : "4.7.1") + " mail for this domain is not accepted" : text.trim();
        SmtpReply parsed = SmtpReply.parse(code, reply);
        if (parsed.enhancedStatus() == null && reply.matches("^[245]\\.\\d+\\.\\d+.*")) {
            throw new ConfigProblem("rejectText", reply, "its status code's class does not match the reply code " + code);
        }
        return parsed;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** What this route does with mail for {@code recipient}; mx routes ask DNS through {@code mx}. */
    RouteDecision decide(MailAddress recipient, MxRouting mx) {
        return switch (kind) {
            case MX -> mx.route(name, recipient, port, options);
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
