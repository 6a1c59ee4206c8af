package org.carrier.api.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON (RFC 8259) from maps (in their iteration order), collections, strings, numbers, booleans and null:
 * the console's answers and the TLS-RPT reports (RFC 8460 §4.4) use this one writer; and reads JSON text
 * ({@link #parse}) into the same shapes, for the REST API's request bodies. Strings are escaped for JSON
 * and, so that an answer can never be read as HTML or close a script element, {@code <}, {@code >} and {@code &} are written as {@code \\u} escapes too.
 */
public final class Json {
    private Json() {
    }

    /** The JSON text of a value; anything else than the types above is written as its {@code toString()}. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                string(String.valueOf(e.getKey()), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object item : list) {
                out.append(first ? "" : ",");
                first = false;
                write(item, out);
            }
            out.append(']');
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            string(value.toString(), out);
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Why a text is not JSON: the message names what was expected and the character offset where. */
    public static final class Malformed extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** The deepest nesting {@link #parse} accepts, so that a hostile body cannot exhaust the stack. */
    public static final int MAX_DEPTH = 64;

    /**
     * Reads one JSON value (RFC 8259): an object as a {@code Map<String, Object>} in document order, an array as a
     * {@code List<Object>}, a string, a number ({@code Long} if it is an integer that fits, else {@code Double}), a
     * boolean or null. A duplicate member name is refused (RFC 8259 §4 leaves its meaning open, so no guess is made),
     * and so is anything after the value but white space.
     *
     * @throws Malformed naming what was expected and where
     * @since 1.2
     */
    public static Object parse(String text) {
        Reader reader = new Reader(text);
        Object value = reader.value(0);
        reader.skipSpace();
        if (reader.at < text.length()) {
            throw reader.error("the end of the text after the value");
        }
        return value;
    }

    /** The recursive-descent reader behind {@link #parse}. */
    private static final class Reader {
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("at most " + MAX_DEPTH + " nested arrays and objects");
            }
            skipSpace();
            if (at >= text.length()) {
                throw error("a value");
            }
            char c = text.charAt(at);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("a value");
                }
            };
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> members = new LinkedHashMap<>();
            at++;
            skipSpace();
            if (peek() == '}') {
                at++;
                return members;
            }
            while (true) {
                skipSpace();
                if (peek() != '"') {
                    throw error("a member name in double quotes");
                }
                int nameAt = at;
                String name = string();
                skipSpace();
                expect(':');
                Object value = value(depth + 1);
                if (members.containsKey(name)) {
                    at = nameAt;
                    throw error("no second member named \"" + name + "\"");
                }
                members.put(name, value);
                skipSpace();
                if (peek() == ',') {
                    at++;
                } else {
                    expect('}');
                    return members;
                }
            }
        }

        private List<Object> array(int depth) {
            List<Object> items = new ArrayList<>();
            at++;
            skipSpace();
            if (peek() == ']') {
                at++;
                return items;
            }
            while (true) {
                items.add(value(depth + 1));
                skipSpace();
                if (peek() == ',') {
                    at++;
                } else {
                    expect(']');
                    return items;
                }
            }
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            at++;
            while (true) {
                if (at >= text.length()) {
                    throw error("the closing double quote of a string");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                } else if (c == '\\') {
                    out.append(escape());
                } else if (c < 0x20) {
                    at--;
                    throw error("no control character inside a string (write it as an escape)");
                } else {
                    out.append(c);
                }
            }
        }

        private char escape() {
            char c = at < text.length() ? text.charAt(at++) : 0;
            return switch (c) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '/' -> '/';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> unicode();
                default -> {
                    at--;
                    throw error("an escape: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
            };
        }

        private char unicode() {
            if (at + 4 > text.length()) {
                throw error("four hex digits after \\u");
            }
            try {
                char c = (char) Integer.parseInt(text.substring(at, at + 4), 16);
                at += 4;
                return c;
            } catch (NumberFormatException e) {
                throw error("four hex digits after \\u");
            }
        }

        private Object number() {
            int start = at;
            if (peek() == '-') {
                at++;
            }
            if (peek() == '0') {
                at++;
            } else if (!digits()) {
                throw error("a digit");
            }
            boolean integer = true;
            if (peek() == '.') {
                at++;
                integer = false;
                if (!digits()) {
                    throw error("a digit after the decimal point");
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                at++;
                integer = false;
                if (peek() == '+' || peek() == '-') {
                    at++;
                }
                if (!digits()) {
                    throw error("a digit in the exponent");
                }
            }
            String number = text.substring(start, at);
            if (integer) {
                try {
                    return Long.parseLong(number);
                } catch (NumberFormatException e) {
                    // too large for a long: a double below, as RFC 8259 §6 allows
                }
            }
            return Double.parseDouble(number);
        }

        private boolean digits() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            return at > start;
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, at)) {
                throw error("a value");
            }
            at += word.length();
            return value;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("'" + c + "'");
            }
            at++;
        }

        private char peek() {
            return at < text.length() ? text.charAt(at) : 0;
        }

        /** RFC 8259 §2: white space is space, tab, line feed and carriage return. */
        void skipSpace() {
            while (at < text.length() && " \t\n\r".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        Malformed error(String expected) {
            return new Malformed("not JSON: expected " + expected + " at character " + at
                    + (at < text.length() ? "" : " (the end of the text)"));
        }
    }
}
