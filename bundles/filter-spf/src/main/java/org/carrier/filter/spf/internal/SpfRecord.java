package org.carrier.filter.spf.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.net.IpNetwork;

/**
 * A parsed SPF record (RFC 7208 §4.6, §12): its directives in order and its redirect and exp modifiers. The whole
 * record is checked before evaluation, so a syntax error anywhere is a permerror (RFC 7208 §4.6).
 */
final class SpfRecord {
    private static final String VERSION = "v=spf1";
    /** RFC 7208 §4.6.1: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=". */
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)", Pattern.DOTALL);
    /** RFC 7208 §5.3: [ ":" domain-spec ] [ dual-cidr-length ]; a CIDR length has no leading zero. */
    private static final Pattern DOMAIN_AND_CIDR = Pattern.compile("(?::(.*?))?(?:/(0|[1-9][0-9]*))?(?://(0|[1-9][0-9]*))?", Pattern.DOTALL);
    private static final String QNUM = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
    private static final Pattern IP4 = Pattern.compile(QNUM + "(?:\\." + QNUM + "){3}");
    private static final Pattern IP6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern CIDR = Pattern.compile("0|[1-9][0-9]*");

    /** One mechanism (RFC 7208 §5). A {@code null} domain means the current domain. */
    sealed interface Mechanism {
        /** RFC 7208 §4.6.4: whether it counts against the limit of 10 DNS-querying terms. */
        default boolean queriesDns() {
            return true;
        }
    }

    record All() implements Mechanism {
        @Override
        public boolean queriesDns() {
            return false;
        }
    }

    record Include(MacroString domain) implements Mechanism {
    }

    record A(MacroString domain, int cidr4, int cidr6) implements Mechanism {
    }

    record Mx(MacroString domain, int cidr4, int cidr6) implements Mechanism {
    }

    record Ptr(MacroString domain) implements Mechanism {
    }

    record Ip(IpNetwork network) implements Mechanism {
        @Override
        public boolean queriesDns() {
            return false;
        }
    }

    record Exists(MacroString domain) implements Mechanism {
    }

    /** A mechanism with the result it gives when it matches, and its text (without qualifier) for Received-SPF. */
    record Directive(SpfResult result, Mechanism mechanism, String text) {
    }

    private final List<Directive> directives;
    private final MacroString redirect;
    private final MacroString explanation;

    private SpfRecord(List<Directive> directives, MacroString redirect, MacroString explanation) {
        this.directives = List.copyOf(directives);
        this.redirect = redirect;
        this.explanation = explanation;
    }

    /** RFC 7208 §4.5: an SPF record starts with "v=spf1" (any case) followed by a space or its end. */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    /** Parses a record that {@link #isSpf} accepted; terms are separated by one or more spaces (RFC 7208 §4.6.1). */
    static SpfRecord parse(String txt) throws SpfException {
        List<Directive> directives = new ArrayList<>();
        MacroString redirect = null;
        MacroString explanation = null;
        for (char c : txt.toCharArray()) {
            // RFC 7208 §3.1 and §4.6.1: records are 7-bit ASCII, terms of visible characters separated by spaces.
            if (c != ' ' && (c < 0x21 || c > 0x7e)) {
                throw SpfException.permanent(String.format("character U+%04X in the record", (int) c));
            }
        }
        for (String term : txt.substring(VERSION.length()).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (!modifier.matches()) {
                directives.add(directive(term));
                continue;
            }
            String name = modifier.group(1).toLowerCase(Locale.ROOT);
            String value = modifier.group(2);
            switch (name) {
                case "redirect" -> {
                    if (redirect != null) {
                        throw SpfException.permanent("redirect= appears twice");
                    }
                    redirect = MacroString.domainSpec(value);
                }
                case "exp" -> {
                    if (explanation != null) {
                        throw SpfException.permanent("exp= appears twice");
                    }
                    explanation = MacroString.domainSpec(value);
                }
                // RFC 7208 §6: unknown modifiers are ignored, but their macro syntax must be right (appendix A).
                default -> MacroString.modifierValue(value);
            }
        }
        return new SpfRecord(directives, redirect, explanation);
    }

    private static Directive directive(String term) throws SpfException {
        char first = term.charAt(0);
        boolean qualified = "+-~?".indexOf(first) >= 0;
        String body = qualified ? term.substring(1) : term;
        int end = 0;
        while (end < body.length() && body.charAt(end) != ':' && body.charAt(end) != '/') {
            end++;
        }
        String name = body.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = body.substring(end);
        // RFC 7208 §12: directive = [ qualifier ] mechanism; Received-SPF names the mechanism (§9.1).
        return new Directive(SpfResult.ofQualifier(first), mechanism(name, rest, term), body);
    }

    private static Mechanism mechanism(String name, String rest, String term) throws SpfException {
        return switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw SpfException.permanent("\"all\" takes no argument: " + term);
                }
                yield new All();
            }
            case "include" -> new Include(requiredDomain(rest, term));
            case "exists" -> new Exists(requiredDomain(rest, term));
            case "ptr" -> new Ptr(rest.isEmpty() ? null : requiredDomain(rest, term));
            case "a", "mx" -> addressMechanism(name, rest, term);
            case "ip4" -> new Ip(ip4(rest, term));
            case "ip6" -> new Ip(ip6(rest, term));
            default -> throw SpfException.permanent("unknown mechanism: " + term);
        };
    }

    private static MacroString requiredDomain(String rest, String term) throws SpfException {
        if (!rest.startsWith(":")) {
            throw SpfException.permanent("a domain is required: " + term);
        }
        return MacroString.domainSpec(rest.substring(1));
    }

    private static Mechanism addressMechanism(String name, String rest, String term) throws SpfException {
        Matcher m = DOMAIN_AND_CIDR.matcher(rest);
        if (!m.matches()) {
            throw SpfException.permanent("invalid CIDR length: " + term);
        }
        MacroString domain = m.group(1) == null ? null : MacroString.domainSpec(m.group(1));
        int cidr4 = cidr(m.group(2), 32, term);
        int cidr6 = cidr(m.group(3), 128, term);
        return name.equals("a") ? new A(domain, cidr4, cidr6) : new Mx(domain, cidr4, cidr6);
    }

    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits == null) {
            return max;
        }
        if (!CIDR.matcher(digits).matches() || digits.length() > 3 || Integer.parseInt(digits) > max) {
            throw SpfException.permanent("invalid CIDR length: " + term);
        }
        return Integer.parseInt(digits);
    }

    /** RFC 7208 §5.6: "ip4" ":" ip4-network [ ip4-cidr-length ], dotted quad with no leading zeros. */
    private static IpNetwork ip4(String rest, String term) throws SpfException {
        String[] parts = networkAndCidr(rest, term);
        if (!IP4.matcher(parts[0]).matches()) {
            throw SpfException.permanent("invalid IPv4 network: " + term);
        }
        return IpNetwork.of(literal(parts[0], term), cidr(parts[1], 32, term));
    }

    /** RFC 7208 §5.6: "ip6" ":" ip6-network [ ip6-cidr-length ] (RFC 4291 §2.2 text). */
    private static IpNetwork ip6(String rest, String term) throws SpfException {
        String[] parts = networkAndCidr(rest, term);
        if (!IP6.matcher(parts[0]).matches()) {
            throw SpfException.permanent("invalid IPv6 network: " + term);
        }
        return IpNetwork.of(Addresses.ipv6(literal(parts[0], term)), cidr(parts[1], 128, term));
    }

    private static String[] networkAndCidr(String rest, String term) throws SpfException {
        if (!rest.startsWith(":")) {
            throw SpfException.permanent("a network is required: " + term);
        }
        String value = rest.substring(1);
        int slash = value.indexOf('/');
        return slash < 0 ? new String[] {value, null} : new String[] {value.substring(0, slash), value.substring(slash + 1)};
    }

    /** Only ever called on text of digits, dots, colons and hex letters: Java parses such literals without DNS. */
    private static InetAddress literal(String text, String term) throws SpfException {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw SpfException.permanent("invalid address: " + term);
        }
    }

    List<Directive> directives() {
        return directives;
    }

    /** The redirect= modifier (RFC 7208 §6.1), or {@code null}. */
    MacroString redirect() {
        return redirect;
    }

    /** The exp= modifier (RFC 7208 §6.2), or {@code null}. */
    MacroString explanation() {
        return explanation;
    }
}
