package org.carrier.api.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the header section of a message (RFC 5322 §2.1: up to the first empty line): its fields, folding kept (a
 * signer needs a value as it is sent, RFC 6376 §3.4.1), or the unfolded values of the fields of one name, e.g. the
 * {@code Received} fields that count a message's hops (RFC 5321 §6.3) or the {@code Delivered-To} fields of earlier
 * local deliveries. At most {@link #MAX_HEADER_BYTES} of header are read. The one header parser of the transports
 * and the queue, so that they agree on what a field is.
 */
public final class HeaderScan {
    /** A header section longer than this is not read further (16 MiB: far beyond any real one). */
    public static final int MAX_HEADER_BYTES = 16 << 20;

    private HeaderScan() {
    }

    /**
     * The values of the fields named {@code name} (case-insensitive, RFC 5322 §1.2.2), unfolded (RFC 5322 §2.2.3)
     * and trimmed, in the order they appear. The stream is read up to the end of the header section; the caller
     * closes it.
     */
    public static List<String> values(InputStream message, String name) throws IOException {
        return values(fields(message), name);
    }

    /**
     * The values of the fields named {@code name} among {@code fields} (case-insensitive, RFC 5322 §1.2.2), unfolded
     * (RFC 5322 §2.2.3) and trimmed, in their order.
     *
     * @since 1.6
     */
    public static List<String> values(List<HeaderField> fields, String name) {
        List<String> values = new ArrayList<>();
        for (HeaderField field : fields) {
            if (field.name().equalsIgnoreCase(name)) {
                values.add(unfold(field.value()).trim());
            }
        }
        return values;
    }

    /** How many fields named {@code name} the header section holds. */
    public static int count(InputStream message, String name) throws IOException {
        return values(message, name).size();
    }

    /**
     * The header fields, folding kept: RFC 5322 §2.2, fields up to the first empty line, a line that starts with
     * white space continues the field before it. A line that is not a field (no colon, or a name with characters RFC
     * 5322 §3.6.8 does not allow) is left out, as the SMTP server's filters leave it out. The caller closes the stream.
     *
     * @since 1.6
     */
    public static List<HeaderField> fields(InputStream message) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        StringBuilder field = null;
        long total = 0;
        String line;
        while ((line = line(message, MAX_HEADER_BYTES - total + 1)) != null && !line.isEmpty()) {
            total += line.length() + 2;
            if (total > MAX_HEADER_BYTES) {
                break; // a line cut at the limit ends up here too
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && field != null) {
                field.append("\r\n").append(line);
                continue;
            }
            add(fields, field);
            field = new StringBuilder(line);
        }
        add(fields, field);
        return fields;
    }

    private static void add(List<HeaderField> fields, StringBuilder field) {
        if (field == null) {
            return;
        }
        int colon = field.indexOf(":");
        if (colon <= 0) {
            return;
        }
        String name = field.substring(0, colon);
        int start = colon + 1;
        while (start < field.length() && (field.charAt(start) == ' ' || field.charAt(start) == '\t')) {
            start++; // HeaderField holds the value without the space after the colon
        }
        try {
            fields.add(new HeaderField(name, field.substring(start)));
        } catch (IllegalArgumentException notAName) {
            // e.g. "From :" or 8-bit junk before the colon: not a field
        }
    }

    /** RFC 5322 §2.2.3: unfolding removes each CRLF that precedes white space. */
    private static String unfold(String value) {
        return value.indexOf('\n') < 0 ? value : value.replace("\r\n", "").replace("\n", "");
    }

    /**
     * One line without its CRLF (or bare LF), UTF-8 (RFC 6532 §3), or null at the end of the stream; cut after
     * {@code limit} bytes, so that a message of one endless line costs no more memory than the header limit.
     */
    private static String line(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b = 0;
        while (line.size() < limit && (b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
