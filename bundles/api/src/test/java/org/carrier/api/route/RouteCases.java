package org.carrier.api.route;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One table of routes, good and bad, that every path a route can take is fed: the api's {@link RouteSpec} itself, the
 * router's route component (a file) and the web console's form. Each path must accept the good ones and refuse each
 * bad one naming the same key, so that a file cannot hold a route the console refuses, nor the console store one the
 * router will not use. Shared through the api's test jar.
 */
public final class RouteCases {
    /**
     * One route's properties as a file gives them (text), and the key it is refused for, or {@code null} if good.
     * Every case has a {@code name} (the console needs one for the file it writes).
     */
    public record Case(String what, Map<String, String> properties, String refusedKey) {
        @Override
        public String toString() {
            return what + (refusedKey == null ? " (good)" : " (refused: " + refusedKey + ")");
        }
    }

    private RouteCases() {
    }

    public static List<Case> all() {
        return List.of(
                good("an mx route for every domain", "domains", "*", "transport", "mx"),
                good("a smarthost with AUTH over verified TLS", "domains", "Partner.example, *.partner.example", "transport", "SMTP",
                        "nextHops", "relay.partner.example:2525, [2001:db8::1]:25", "tls", "verify", "authUser", "u", "authPassword", "p"),
                good("lmtp to a bare host (port 24)", "domains", "mail.example.net", "transport", "lmtp", "nextHops", "127.0.0.1"),
                good("local, with empty list elements", "domains", "a.example, ,b.example,", "transport", "local"),
                good("discard", "domains", "spamtrap.example", "transport", "discard"),
                good("hold", "domains", "partner.example", "transport", "hold"),
                good("reject with its own reply", "domains", "old.example", "transport", "reject", "rejectCode", "554",
                        "rejectText", "5.1.6 old.example has moved"),
                good("an installed transport takes next hops", "domains", "x.example", "transport", "my-transport.v2",
                        "nextHops", "h:1"),
                good("an IDN domain (kept as its A-label)", "domains", "bücher.example", "transport", "mx"),
                good("a name with dots, dashes and underscores", "name", "eu-west_2.relay", "domains", "x.example", "transport", "mx"),
                good("port and order given", "domains", "x.example", "transport", "mx", "port", "2525", "order", "-5"),
                bad("name", "a name with a space", "name", "my route", "domains", "x.example", "transport", "mx"),
                bad("name", "a name that leaves config/", "name", "../etc/passwd", "domains", "x.example", "transport", "mx"),
                bad("name", "a name of 65 characters", "name", "a".repeat(65), "domains", "x.example", "transport", "mx"),
                bad("domains", "no domains", "domains", " , ", "transport", "mx"),
                bad("domains", "white space inside a domain", "domains", "exa mple.com", "transport", "mx"),
                bad("domains", "an empty label", "domains", "example..com", "transport", "mx"),
                bad("domains", "a star inside a label", "domains", "*example.com", "transport", "mx"),
                bad("domains", "a star that is not the first label", "domains", "a.*.example.com", "transport", "mx"),
                bad("domains", "a label starting with a hyphen (RFC 1035 §2.3.1)", "domains", "-bad.example", "transport", "mx"),
                bad("domains", "a label ending with a hyphen", "domains", "example.com-", "transport", "mx"),
                bad("domains", "a star and a dot", "domains", "*.", "transport", "mx"),
                bad("transport", "an empty transport", "domains", "x.example", "transport", " "),
                bad("transport", "a transport name with a space", "domains", "x.example", "transport", "my transport", "nextHops", "h:1"),
                bad("nextHops", "smtp without next hops", "domains", "x.example", "transport", "smtp"),
                bad("nextHops", "mx with next hops", "domains", "x.example", "transport", "mx", "nextHops", "relay:25"),
                bad("nextHops", "a next hop whose port is no number", "domains", "x.example", "transport", "smtp", "nextHops", "relay:smtp"),
                bad("port", "a port out of range", "domains", "x.example", "transport", "mx", "port", "70000"),
                bad("port", "a port that is no number", "domains", "x.example", "transport", "mx", "port", "abc"),
                bad("tls", "a TLS policy that does not exist", "domains", "x.example", "transport", "mx", "tls", "sometimes"),
                bad("tls", "dane to an IP literal next hop (no TLSA base domain)", "domains", "x.example", "transport", "smtp",
                        "nextHops", "192.0.2.1:25", "tls", "dane"),
                bad("tls", "dane-only on an lmtp route", "domains", "x.example", "transport", "lmtp", "nextHops", "mail.x.example",
                        "tls", "dane-only"),
                bad("tls", "AUTH without TLS", "domains", "x.example", "transport", "smtp", "nextHops", "h:587", "tls", "none",
                        "authUser", "u", "authPassword", "p"),
                bad("authPassword", "an AUTH user without a password", "domains", "x.example", "transport", "smtp", "nextHops", "h:587",
                        "authUser", "u"),
                bad("rejectCode", "a reject route with a 2xx code", "domains", "x.example", "transport", "reject", "rejectCode", "250"),
                bad("rejectText", "a status code of the wrong class", "domains", "x.example", "transport", "reject", "rejectText", "4.7.1 later"),
                bad("order", "an order that is no number", "domains", "x.example", "transport", "mx", "order", "first"));
    }

    private static Case good(String what, String... keyValues) {
        return new Case(what, properties(keyValues), null);
    }

    private static Case bad(String key, String what, String... keyValues) {
        return new Case(what, properties(keyValues), key);
    }

    private static Map<String, String> properties(String... keyValues) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("name", "r");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }
}
