package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Canonicalizes a message body as it streams through (RFC 6376 §3.4.3, §3.4.4; RFC 4870 §3.4.2), so a large
 * message is never held in memory: only the current line and a count of empty lines not yet known to be trailing.
 * Lines end with LF or CRLF on input and with CRLF on output.
 */
final class BodyCanonicalizer extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};

    private final Canonicalization algorithm;
    private final OutputStream sink;
    private byte[] line = new byte[256];
    private int lineLength;
    private long pendingEmptyLines;
    private boolean wroteAnything;
    private boolean closed;

    BodyCanonicalizer(Canonicalization algorithm, OutputStream sink) {
        this.algorithm = algorithm;
        this.sink = sink;
    }

    @Override
    public void write(int b) throws IOException {
        if (b == '\n') {
            endLine();
            return;
        }
        if (lineLength == line.length) {
            line = Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }

    private void endLine() throws IOException {
        int end = lineLength;
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        int length = switch (algorithm) {
            case SIMPLE -> end;
            case RELAXED -> relaxed(end);
            case NOFWS -> withoutWhiteSpace(end);
        };
        lineLength = 0;
        if (length == 0) {
            // RFC 6376 §3.4.3, §3.4.4: empty lines at the end of the body are ignored; only later text brings them back.
            pendingEmptyLines++;
            return;
        }
        for (; pendingEmptyLines > 0; pendingEmptyLines--) {
            sink.write(CRLF);
        }
        sink.write(line, 0, length);
        sink.write(CRLF);
        wroteAnything = true;
    }

    /** RFC 6376 §3.4.4: runs of white space become one space, white space at the end of the line goes. */
    private int relaxed(int end) {
        int out = 0;
        boolean inSpace = false;
        for (int i = 0; i < end; i++) {
            byte b = line[i];
            if (b == ' ' || b == '\t') {
                inSpace = true;
                continue;
            }
            if (inSpace) {
                line[out++] = ' ';
                inSpace = false;
            }
            line[out++] = b;
        }
        return out;
    }

    /** RFC 4870 §3.4.2: every white space character is removed. */
    private int withoutWhiteSpace(int end) {
        int out = 0;
        for (int i = 0; i < end; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                line[out++] = b;
            }
        }
        return out;
    }

    /**
     * Ends the body: a last line without CRLF counts as a line; RFC 6376 §3.4.3: an empty body is one CRLF in
     * simple canonicalization (and nothing in relaxed, §3.4.4 with erratum 3475).
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (lineLength > 0) {
            endLine();
        }
        if (!wroteAnything && algorithm == Canonicalization.SIMPLE) {
            sink.write(CRLF);
        }
        sink.close();
    }
}
