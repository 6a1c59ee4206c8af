package org.carrier.delivery.smtp.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.HeaderScan;
import org.carrier.api.transport.MessageSource;

/**
 * The header fields of a message for the outbound filters, folding kept (a signer needs the value as it is sent,
 * RFC 6376 §3.4.1): RFC 5322 §2.2, fields up to the first empty line, a line that starts with white space continues
 * the field before it. A line that is not a field (no colon, or a name with characters RFC 5322 §3.6.8 does not
 * allow) is left out, as the SMTP server's filters leave it out.
 */
final class HeaderFields {
    private HeaderFields() {
    }

    static List<HeaderField> read(MessageSource message) throws IOException {
        try (InputStream in = new BufferedInputStream(message.open(), 8192)) {
            return read(in);
        }
    }

    static List<HeaderField> read(InputStream in) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        StringBuilder field = null;
        long total = 0;
        String line;
        while ((line = line(in)) != null && !line.isEmpty()) {
            total += line.length() + 2;
            if (total > HeaderScan.MAX_HEADER_BYTES) {
                break;
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

    /** One line without its CRLF (or bare LF), UTF-8 (RFC 6532 §3), or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
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
