package org.carrier.api.config;

import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Comma separated lists in configuration, parsed by one rule: elements are separated by commas, white space
 * around an element is ignored, and so are empty elements ({@code a, ,b,} is {@code [a, b]}, so a trailing comma
 * does no harm). White space inside an element is refused, never taken as a separator: {@code exa mple.com} is a
 * typo, not the two domains {@code exa} and {@code mple.com}.
 */
public final class ConfigLists {
    /** RFC 1035 §2.3.1 preferred name syntax, with underscores (service names) and U-labels allowed: 1 to 63 characters a label. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    private ConfigLists() {
    }

    /**
     * The elements of a comma separated list, each checked by {@code check} (which returns the element as it is
     * kept, or throws {@link IllegalArgumentException} saying what is expected).
     *
     * @throws ConfigProblem naming {@code key} and the first element refused
     */
    public static List<String> parse(String key, String text, UnaryOperator<String> check) {
        return parse(key, text == null ? null : new String[] {text}, check);
    }

    /**
     * The elements of a list setting typed {@code String[]}: a {@code .cfg} file gives it as one value with commas,
     * the web console one value per field, so each value is a comma separated list of its own.
     *
     * @throws ConfigProblem naming {@code key} and the first element refused
     */
    public static List<String> parse(String key, String[] values, UnaryOperator<String> check) {
        List<String> elements = new ArrayList<>();
        for (String text : values == null ? new String[0] : values) {
            for (String raw : text == null ? new String[0] : text.split(",", -1)) {
                String element = raw.strip();
                if (element.isEmpty()) {
                    continue;
                }
                if (element.chars().anyMatch(Character::isWhitespace)) {
                    throw new ConfigProblem(key, element, "white space inside an element (separate them with commas)");
                }
                try {
                    elements.add(check.apply(element));
                } catch (IllegalArgumentException e) {
                    throw new ConfigProblem(key, element, e.getMessage());
                }
            }
        }
        return List.copyOf(elements);
    }

    /**
     * The elements of a list whose elements never hold white space (addresses, networks, {@code host:port}), where
     * commas or white space separate them ({@code 192.0.2.0/24 2001:db8::/32, 10.0.0.0/8}), as these settings have
     * always been read; empty elements are skipped. A {@code String[]} setting's values are each such a list.
     */
    public static List<String> spaced(String... values) {
        return separated("[\\s,]+", values);
    }

    /**
     * The elements of a list whose elements may hold commas themselves (a DNS block list's {@code zone=codes}, its codes
     * comma separated), where white space alone separates them; empty elements are skipped. A {@code String[]}
     * setting's values are each such a list.
     */
    public static List<String> words(String... values) {
        return separated("\\s+", values);
    }

    private static List<String> separated(String separators, String... values) {
        List<String> elements = new ArrayList<>();
        for (String text : values == null ? new String[0] : values) {
            for (String element : text == null ? new String[0] : text.strip().split(separators)) {
                if (!element.isEmpty()) {
                    elements.add(element);
                }
            }
        }
        return List.copyOf(elements);
    }

    /** Plain names of a {@code String[]} setting, as {@link #names(String, String)}. */
    public static List<String> names(String key, String[] values) {
        return parse(key, values, UnaryOperator.identity());
    }

    /** Domain names of a {@code String[]} setting, as {@link #domains(String, String)}. */
    public static List<String> domains(String key, String[] values) {
        return parse(key, values, ConfigLists::domain);
    }

    /** Domain patterns of a {@code String[]} setting, as {@link #domainPatterns(String, String)}. */
    public static List<String> domainPatterns(String key, String[] values) {
        return parse(key, values, ConfigLists::domainPattern);
    }

    /** Plain names (local parts, user names, host names to compare): any element without white space, as written. */
    public static List<String> names(String key, String text) {
        return parse(key, text, UnaryOperator.identity());
    }

    /** Domain names, lower case (IDNs as A-labels). */
    public static List<String> domains(String key, String text) {
        return parse(key, text, ConfigLists::domain);
    }

    /**
     * Domain patterns of a route: a domain (exactly), {@code *.domain} (its subdomains) or {@code *} (every
     * domain); lower case.
     */
    public static List<String> domainPatterns(String key, String text) {
        return parse(key, text, ConfigLists::domainPattern);
    }

    private static String domainPattern(String element) {
        if (element.equals("*")) {
            return element;
        }
        try {
            return element.startsWith("*.") ? "*." + domain(element.substring(2)) : domain(element);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a domain, *.domain or *");
        }
    }

    /**
     * One domain name, lower case; IDNs as A-labels (RFC 5890).
     *
     * @throws IllegalArgumentException "not a domain" when it is not one
     */
    public static String domain(String text) {
        String domain;
        try {
            domain = IDN.toASCII(text.strip(), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a domain");
        }
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1); // the root: example.com. is example.com
        }
        if (domain.isEmpty() || domain.length() > 253) {
            throw new IllegalArgumentException("not a domain");
        }
        for (String label : domain.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("not a domain");
            }
        }
        return domain;
    }
}
