package org.carrier.filter.spf.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A macro-string of RFC 7208 §7.1, checked when the record is read (a syntax error anywhere is a permerror,
 * RFC 7208 §4.6) and expanded for each check (RFC 7208 §7.3).
 */
final class MacroString {
    /** RFC 7208 §7.2: the letters of domain-specs; c, r and t only in explanations (§7.1 "exp" text). */
    static final String DOMAIN_LETTERS = "slodipvh";
    static final String EXPLANATION_LETTERS = "slodipvhcrt";
    private static final String DELIMITERS = ".-+,/_=";
    /** RFC 7208 §7.1: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ). */
    private static final Pattern TOPLABEL = Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    /** The value of a macro letter in the current check; {@code p} may need DNS lookups. */
    interface Values {
        String of(char letter) throws SpfException;
    }

    private sealed interface Part permits Literal, Macro {
    }

    private record Literal(String text) implements Part {
    }

    /** {@code %{letter digits r delimiters}}; an upper-case letter asks for URL escaping (RFC 7208 §7.3). */
    private record Macro(char letter, boolean escape, int rightParts, boolean reverse, String delimiters) implements Part {
    }

    private final String text;
    private final List<Part> parts;
    private final boolean endsWithMacro;

    private MacroString(String text, List<Part> parts, boolean endsWithMacro) {
        this.text = text;
        this.parts = parts;
        this.endsWithMacro = endsWithMacro;
    }

    /** A domain-spec (RFC 7208 §7.1): a macro-string ending in a macro or in "." toplabel with an optional dot. */
    static MacroString domainSpec(String text) throws SpfException {
        if (text.isEmpty()) {
            throw SpfException.permanent("empty domain-spec");
        }
        MacroString spec = parse(text, DOMAIN_LETTERS, false);
        if (!spec.endsWithMacro) {
            String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
            int dot = name.lastIndexOf('.');
            if (dot < 0 || !TOPLABEL.matcher(name.substring(dot + 1)).matches()) {
                throw SpfException.permanent("invalid domain-spec " + text + ": it must end in a macro or a valid top label");
            }
        }
        return spec;
    }

    /** A macro-string with the letters of a domain-spec, as in unknown modifiers (RFC 7208 §6). */
    static MacroString modifierValue(String text) throws SpfException {
        return parse(text, DOMAIN_LETTERS, false);
    }

    /** An explanation string (RFC 7208 §6.2: macro-strings and spaces, with c, r and t allowed). */
    static MacroString explanation(String text) throws SpfException {
        return parse(text, EXPLANATION_LETTERS, true);
    }

    private static MacroString parse(String text, String letters, boolean spaces) throws SpfException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean endsWithMacro = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                if (!(c >= 0x21 && c <= 0x7e || spaces && c == ' ')) {
                    throw SpfException.permanent(String.format("character U+%04X not allowed in %s", (int) c, text));
                }
                literal.append(c);
                endsWithMacro = false;
                i++;
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            switch (next) {
                case '%' -> literal.append('%');
                case '_' -> literal.append(' ');
                case '-' -> literal.append("%20");
                case '{' -> {
                    int close = text.indexOf('}', i);
                    if (close < 0) {
                        throw SpfException.permanent("unterminated macro in " + text);
                    }
                    if (literal.length() > 0) {
                        parts.add(new Literal(literal.toString()));
                        literal.setLength(0);
                    }
                    parts.add(macro(text.substring(i + 2, close), letters, text));
                    i = close - 1;
                }
                default -> throw SpfException.permanent("'%' must be followed by '{', '%', '_' or '-' in " + text);
            }
            endsWithMacro = true;
            i += 2;
        }
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
        }
        return new MacroString(text, Collections.unmodifiableList(parts), endsWithMacro);
    }

    /** macro-letter transformers *delimiter (RFC 7208 §7.1), the text between the braces. */
    private static Macro macro(String body, String letters, String text) throws SpfException {
        if (body.isEmpty() || letters.indexOf(Character.toLowerCase(body.charAt(0))) < 0) {
            throw SpfException.permanent("unknown macro letter in " + text);
        }
        char letter = body.charAt(0);
        int i = 1;
        while (i < body.length() && Character.isDigit(body.charAt(i))) {
            i++;
        }
        int rightParts = 0;
        if (i > 1) {
            // RFC 7208 §7.3: a DIGIT transformer must be nonzero; larger than the parts there are means all of them.
            rightParts = i > 4 ? Integer.MAX_VALUE : Integer.parseInt(body.substring(1, i));
            if (rightParts == 0) {
                throw SpfException.permanent("zero parts in macro of " + text);
            }
        }
        boolean reverse = i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R');
        if (reverse) {
            i++;
        }
        String delimiters = body.substring(i);
        for (char d : delimiters.toCharArray()) {
            if (DELIMITERS.indexOf(d) < 0) {
                throw SpfException.permanent("invalid delimiter '" + d + "' in " + text);
            }
        }
        return new Macro(Character.toLowerCase(letter), Character.isUpperCase(letter), rightParts, reverse,
                delimiters.isEmpty() ? "." : delimiters);
    }

    /** The text with every macro replaced by its value (RFC 7208 §7.3). */
    String expand(Values values) throws SpfException {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal l) {
                out.append(l.text());
            } else {
                Macro m = (Macro) part;
                String value = transform(values.of(m.letter()), m);
                out.append(m.escape() ? urlEscape(value) : value);
            }
        }
        return out.toString();
    }

    /** RFC 7208 §7.3: split on the delimiters, reverse if asked, keep the right-hand parts, join with dots. */
    private static String transform(String value, Macro m) {
        List<String> labels = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (m.delimiters().indexOf(value.charAt(i)) >= 0) {
                labels.add(value.substring(start, i));
                start = i + 1;
            }
        }
        labels.add(value.substring(start));
        if (m.reverse()) {
            Collections.reverse(labels);
        }
        if (m.rightParts() > 0 && m.rightParts() < labels.size()) {
            labels = labels.subList(labels.size() - m.rightParts(), labels.size());
        }
        return String.join(".", labels);
    }

    /** RFC 7208 §7.3: upper-case macros are URL-escaped: every character outside RFC 3986's unreserved set. */
    private static String urlEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
