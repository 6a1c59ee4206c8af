package org.carrier.filter.milter.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a message as the milter protocol hands it over: each header field (SMFIC_HEADER, name and value, a folded
 * value's lines joined by LF as Sendmail and Postfix send them), then the body from the first byte after the empty
 * line, as stored (CRLF line endings). Header bytes are kept as they are (ISO-8859-1 round trip), so 8-bit fields
 * reach the milter unchanged.
 */
final class MessageParts {
    /** One header field as sent: the name, and the value after the colon (leading white space kept, for SMFIP_HDR_LEADSPC). */
    record Field(String name, String value) {
    }

    private MessageParts() {
    }

    /** The header fields; {@code in} is left at the first byte of the body. */
    static List<Field> readHeader(InputStream in) throws IOException {
        List<Field> fields = new ArrayList<>();
        StringBuilder current = null;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append('\n').append(line);
                continue;
            }
            if (current != null) {
                fields.add(field(current.toString()));
            }
            current = new StringBuilder(line);
        }
        if (current != null) {
            fields.add(field(current.toString()));
        }
        return fields;
    }

    private static Field field(String text) {
        int colon = text.indexOf(':');
        return colon < 0 ? new Field(text.strip(), "") : new Field(text.substring(0, colon).strip(), text.substring(colon + 1));
    }

    /** One line without its CRLF (or LF), as ISO-8859-1; {@code null} at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
