package org.carrier.api.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a {@link ReportStateFile} line: tab separated, lists joined by {@code |}; {@code %}, tab, line breaks
 * and {@code |} inside a value percent-encoded, so any value (a TLS policy string, a DKIM selector) reads back as it
 * was; an absent value is {@code -}.
 */
public final class StateFields {
    private static final String ABSENT = "-";

    private StateFields() {
    }

    /** Appends one line of fields (already encoded). */
    public static void line(StringBuilder text, String... fields) {
        text.append(String.join("\t", fields)).append('\n');
    }

    /** A line's fields, checked to be {@code n}. */
    public static String[] split(String line, int n) {
        String[] fields = line.split("\t", -1);
        if (fields.length != n) {
            throw new IllegalArgumentException("expected " + n + " tab separated fields, found " + fields.length);
        }
        return fields;
    }

    /** A value as a field; null as absent. */
    public static String encode(String value) {
        if (value == null) {
            return ABSENT;
        }
        if (value.equals(ABSENT)) {
            return "%2D";
        }
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '%' -> out.append("%25");
                case '\t' -> out.append("%09");
                case '\n' -> out.append("%0A");
                case '\r' -> out.append("%0D");
                case '|' -> out.append("%7C");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A field's value; null when absent. */
    public static String decode(String field) {
        if (field.equals(ABSENT)) {
            return null;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '%' && i + 2 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c == '%') {
                throw new IllegalArgumentException("a cut percent escape in \"" + field + "\"");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A list as one field. */
    public static String encodeList(List<String> values) {
        List<String> encoded = new ArrayList<>();
        values.forEach(v -> encoded.add(encode(v)));
        return String.join("|", encoded);
    }

    /** One field as a list. */
    public static List<String> decodeList(String field) {
        if (field.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (String part : field.split("\\|", -1)) {
            values.add(decode(part));
        }
        return values;
    }

    /** A count: a decimal number, not negative. */
    public static long count(String field) {
        long n = Long.parseLong(field);
        if (n < 0) {
            throw new IllegalArgumentException("a negative count");
        }
        return n;
    }
}
