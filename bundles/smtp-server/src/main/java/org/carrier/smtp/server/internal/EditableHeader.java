package org.carrier.smtp.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.filter.MessageEdits.HeaderEdit;

/**
 * A received message's header as the data filters' header edits change it: its fields as they were written (bytes,
 * line endings and folding kept), each edit applied in place. The header ends at the first empty line or at the first
 * line that is neither a field nor its continuation (RFC 5322 §2.2, §3.5), which then begins the body. The first field
 * is this server's Received field and is not changed or removed. Held in memory, so bounded: {@link #MAX_BYTES}.
 */
final class EditableHeader {
    /** The largest header edited (Postfix keeps at most 100 KB of a header, header_size_limit; a margin above that). */
    static final int MAX_BYTES = 1024 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    /** A header beyond {@link #MAX_BYTES}. */
    static final class TooLarge extends IOException {
        TooLarge() {
            super("header larger than " + MAX_BYTES + " bytes", null);
        }
    }

    private final List<byte[]> fields;
    /** This server's Received field, the first when the header was read, wherever edits have moved it since. */
    private final byte[] own;
    /** Bytes of the content the header took, the empty line ending it included. */
    private final long originalLength;

    private EditableHeader(List<byte[]> fields, long originalLength) {
        this.fields = fields;
        this.own = fields.isEmpty() ? null : fields.get(0);
        this.originalLength = originalLength;
    }

    /** Reads the header from the start of the content; the stream is left somewhere in the body. */
    static EditableHeader read(InputStream in) throws IOException {
        List<byte[]> fields = new ArrayList<>();
        ByteArrayOutputStream field = null;
        long length = 0;
        byte[] line;
        while ((line = readLine(in, MAX_BYTES - length)) != null) {
            if (isEmpty(line)) {
                length += line.length;
                break;
            }
            boolean continuation = line[0] == ' ' || line[0] == '\t';
            if (continuation ? field == null : nameOf(line) == null) {
                break; // not a field: the body's first line, with no empty line before it
            }
            if (!continuation) {
                if (field != null) {
                    fields.add(field.toByteArray());
                }
                field = new ByteArrayOutputStream(line.length);
            }
            field.write(line);
            length += line.length;
        }
        if (field != null) {
            fields.add(field.toByteArray());
        }
        return new EditableHeader(fields, length);
    }

    private static boolean isEmpty(byte[] line) {
        return line.length == 1 && line[0] == '\n' || line.length == 2 && line[0] == '\r' && line[1] == '\n';
    }

    /** A line up to and with its LF (or the content's end), null at the end; {@link TooLarge} past {@code room} bytes. */
    private static byte[] readLine(InputStream in, long room) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (line.size() >= room) {
                throw new TooLarge();
            }
            line.write(c);
            if (c == '\n') {
                break;
            }
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    /**
     * The field name of a line that starts a field: printable ASCII but colon (RFC 5322 §3.6.8), then the colon,
     * white space allowed before it (obs-optional, RFC 5322 §4.5.8); else null.
     */
    private static String nameOf(byte[] line) {
        int end = 0;
        while (end < line.length && line[end] > 32 && line[end] < 127 && line[end] != ':') {
            end++;
        }
        int colon = end;
        while (colon < line.length && (line[colon] == ' ' || line[colon] == '\t')) {
            colon++;
        }
        return end > 0 && colon < line.length && line[colon] == ':' ? new String(line, 0, end, StandardCharsets.US_ASCII) : null;
    }

    /**
     * Applies one edit. Positions and occurrences count the fields as they are now, the server's Received field among
     * them (first as received, where the filters saw it).
     *
     * @return false if the edit would change or remove the server's Received field, which is then left as it is
     */
    boolean apply(HeaderEdit edit) {
        switch (edit.op()) {
            case ADD -> fields.add(encode(edit.name(), edit.value()));
            case INSERT -> fields.add(Math.min(edit.position(), fields.size()), encode(edit.name(), edit.value()));
            case CHANGE -> {
                int at = find(edit.name(), edit.position());
                if (at >= 0 && fields.get(at) == own) {
                    return false;
                }
                if (at < 0) {
                    fields.add(encode(edit.name(), edit.value())); // libmilter's smfi_chgheader: no such occurrence, added
                } else {
                    fields.set(at, encode(nameOf(fields.get(at)), edit.value()));
                }
            }
            case DELETE -> {
                int at = find(edit.name(), edit.position());
                if (at >= 0 && fields.get(at) == own) {
                    return false;
                }
                if (at >= 0) {
                    fields.remove(at);
                }
            }
        }
        return true;
    }

    /** The index of the {@code occurrence}th field called {@code name} (case-insensitive, RFC 5322 §1.2.2); -1 if none. */
    private int find(String name, int occurrence) {
        int seen = 0;
        for (int i = 0; i < fields.size(); i++) {
            if (name.equalsIgnoreCase(nameOf(fields.get(i))) && ++seen == occurrence) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] encode(String name, String value) {
        return (name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes of the content the header took when it was read, so the body is what follows. */
    long originalLength() {
        return originalLength;
    }

    /** Bytes {@link #writeTo} writes: the fields and the empty line after them. */
    long length() {
        return fields.stream().mapToLong(f -> f.length).sum() + CRLF.length;
    }

    /** Writes the fields and the empty line that ends the header; returns the bytes written. */
    long writeTo(OutputStream out) throws IOException {
        for (byte[] f : fields) {
            out.write(f);
        }
        out.write(CRLF);
        return length();
    }
}
