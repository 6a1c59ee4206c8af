package org.carrier.smtp.server.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Counts some fields of the message's header section on its way to the queue file, without reading the message
 * again: the {@code Received} fields, so that a mail loop is seen at reception (RFC 5321 §6.3: each hop adds one;
 * Postfix's {@code hopcount_limit}), and {@code Date} and {@code Message-ID}, which RFC 5322 §3.6 requires and which
 * the server adds to a message submitted here that lacks them. Only the header section is looked at, a byte at a
 * time; from the empty line that ends it (RFC 5322 §2.1) the body passes straight through in the writes it comes in.
 * It works on what {@link DataReader} writes: unstuffed data with CRLF line endings.
 */
final class HeaderCounter extends FilterOutputStream {
    /** The fields counted, by index. */
    enum Field {
        RECEIVED("received:"), DATE("date:"), MESSAGE_ID("message-id:");

        /** The field name and its colon, lower case: the same rule as the queue's count ({@code HeaderScan}). */
        private final byte[] name;

        Field(String name) {
            this.name = name.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final Field[] FIELDS = Field.values();
    /** Not in a field name that may still be this one: wait for the next line. */
    private static final int SKIP = -1;

    private boolean inHeader = true;
    private boolean lineStart = true;
    /** How much of each field's name the current line starts with, or {@link #SKIP}. */
    private final int[] matched = new int[FIELDS.length];
    private final int[] counts = new int[FIELDS.length];

    HeaderCounter(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (inHeader) {
            look(b);
        }
        out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int i = offset;
        int end = offset + length;
        while (inHeader && i < end) {
            look(bytes[i++]);
        }
        out.write(bytes, offset, length);
    }

    private void look(int b) {
        if (lineStart) {
            lineStart = false;
            if (b == '\r' || b == '\n') {
                inHeader = false; // the empty line: the body follows
                return;
            }
            // a folded continuation line names no field
            java.util.Arrays.fill(matched, b == ' ' || b == '\t' ? SKIP : 0);
        }
        if (b == '\n') {
            lineStart = true;
            return;
        }
        int lower = b >= 'A' && b <= 'Z' ? b | 0x20 : b;
        for (int f = 0; f < FIELDS.length; f++) {
            int m = matched[f];
            if (m == SKIP) {
                continue;
            }
            byte[] name = FIELDS[f].name;
            m = lower == name[m] ? m + 1 : SKIP;
            if (m == name.length) {
                counts[f]++;
                m = SKIP;
            }
            matched[f] = m;
        }
    }

    /** How many fields of this name were seen so far. */
    int count(Field field) {
        return counts[field.ordinal()];
    }
}
