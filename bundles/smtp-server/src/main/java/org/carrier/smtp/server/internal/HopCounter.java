package org.carrier.smtp.server.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts the {@code Received} fields of the message's header section on its way to the queue file, so that a mail
 * loop is seen at reception (RFC 5321 §6.3: each hop adds one; Postfix's {@code hopcount_limit}) without reading the
 * message again. Only the header section is looked at, a byte at a time; from the empty line that ends it (RFC 5322
 * §2.1) the body passes straight through in the writes it comes in. It works on what {@link DataReader} writes:
 * unstuffed data with CRLF line endings.
 */
final class HopCounter extends FilterOutputStream {
    /** The field name and its colon, lower case: the same rule as the queue's count ({@code HeaderScan}). */
    private static final byte[] NAME = {'r', 'e', 'c', 'e', 'i', 'v', 'e', 'd', ':'};
    /** Not in a field name that may still be Received: wait for the next line. */
    private static final int SKIP = -1;

    private boolean inHeader = true;
    private boolean lineStart = true;
    /** How much of {@link #NAME} the current line starts with, or {@link #SKIP}. */
    private int matched;
    private int hops;

    HopCounter(OutputStream out) {
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
            matched = b == ' ' || b == '\t' ? SKIP : 0; // a folded continuation line names no field
        }
        if (b == '\n') {
            lineStart = true;
        } else if (matched != SKIP) {
            int lower = b >= 'A' && b <= 'Z' ? b | 0x20 : b;
            matched = lower == NAME[matched] ? matched + 1 : SKIP;
            if (matched == NAME.length) {
                hops++;
                matched = SKIP;
            }
        }
    }

    /** The Received fields seen so far. */
    int hops() {
        return hops;
    }
}
