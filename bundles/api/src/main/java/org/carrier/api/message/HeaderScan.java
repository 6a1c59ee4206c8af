package org.carrier.api.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the header section of a message (RFC 5322 §2.1: up to the first empty line) for the fields of one name,
 * e.g. the {@code Received} fields that count a message's hops (RFC 5321 §6.3) or the {@code Delivered-To} fields
 * of earlier local deliveries. Streams: only the values asked for are kept, and at most {@link #MAX_HEADER_BYTES}
 * of header are read.
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
        String prefix = name + ":";
        List<String> values = new ArrayList<>();
        StringBuilder current = null;
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long read = 0;
        for (int b = message.read(); b >= 0 && read < MAX_HEADER_BYTES; b = message.read(), read++) {
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            if (text.isEmpty()) {
                break; // the end of the header section
            }
            boolean continuation = text.charAt(0) == ' ' || text.charAt(0) == '\t';
            if (continuation && current != null) {
                current.append(text);
                continue;
            }
            if (current != null) {
                values.add(current.toString().trim());
                current = null;
            }
            if (!continuation && text.regionMatches(true, 0, prefix, 0, prefix.length())) {
                current = new StringBuilder(text.substring(prefix.length()));
            }
        }
        if (current != null) {
            values.add(current.toString().trim());
        }
        return values;
    }

    /** How many fields named {@code name} the header section holds. */
    public static int count(InputStream message, String name) throws IOException {
        return values(message, name).size();
    }
}
