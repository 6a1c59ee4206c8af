package org.carrier.filter.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The header section of a message exactly as it arrived, field by field (folding kept), read from the start of
 * a stream that is left at the first byte of the body. Bytes are kept one-to-one as ISO-8859-1 characters, so
 * hashing the text as ISO-8859-1 gives back the original octets (RFC 6376 §3.4.1 signs octets, not characters).
 */
final class RawHeader {
    /** A header section larger than this is not read (it cannot be a message this server accepted). */
    private static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;

    private final List<String> fields;

    private RawHeader(List<String> fields) {
        this.fields = List.copyOf(fields);
    }

    /** Reads up to and including the empty line that ends the header section (or to the end of a body-less message). */
    static RawHeader read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = null;
        int total = 0;
        while (true) {
            String line = readLine(in);
            if (line == null || line.isEmpty()) {
                break;
            }
            total += line.length() + 2;
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("header section larger than " + MAX_HEADER_BYTES + " bytes");
            }
            boolean continuation = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (continuation && field != null) {
                field.append("\r\n").append(line);
                continue;
            }
            if (field != null) {
                fields.add(field.toString());
            }
            // A line without a colon is not a field (RFC 5322 §2.2); it is kept out of hashing like any junk.
            field = line.indexOf(':') > 0 ? new StringBuilder(line) : null;
        }
        if (field != null) {
            fields.add(field.toString());
        }
        return new RawHeader(fields);
    }

    /** One line without its CRLF (or bare LF), or {@code null} at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** Every field, top to bottom, as raw text ({@code Name: value} with its folding, no final CRLF). */
    List<String> fields() {
        return fields;
    }

    /** The name of a raw field. */
    static String name(String field) {
        return field.substring(0, field.indexOf(':')).strip();
    }

    /** The value of a raw field, unfolded and trimmed. */
    static String value(String field) {
        return field.substring(field.indexOf(':') + 1).replace("\r\n", "").strip();
    }

    /**
     * Whether a raw field has the given name (case-insensitive, RFC 5322 §1.2.2; field names are printable ASCII,
     * §3.6.8). Compared in place: signing asks this for every signed name and every field of each message.
     */
    static boolean named(String field, String name) {
        int end = field.indexOf(':');
        while (end > 0 && Character.isWhitespace(field.charAt(end - 1))) {
            end--;
        }
        int start = 0;
        while (start < end && Character.isWhitespace(field.charAt(start))) {
            start++;
        }
        return end - start == name.length() && field.regionMatches(true, start, name, 0, name.length());
    }

    /**
     * The fields to sign or verify for a list of names, RFC 6376 §5.4.2: for a name listed n times, the last n
     * instances bottom-up; a name listed more often than present contributes nothing for the extra ones.
     * {@code exclude} (the signature field itself) is never selected.
     */
    List<String> select(List<String> names, String exclude) {
        List<String> selected = new ArrayList<>();
        Map<String, Integer> used = new HashMap<>();
        for (String name : names) {
            String key = name.toLowerCase(Locale.ROOT);
            int skip = used.merge(key, 1, Integer::sum) - 1;
            for (int i = fields.size() - 1; i >= 0; i--) {
                String field = fields.get(i);
                if (field == exclude || !named(field, key)) {
                    continue;
                }
                if (skip-- == 0) {
                    selected.add(field);
                    break;
                }
            }
        }
        return selected;
    }
}
