package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Canonicalizes a message body as it streams through (RFC 6376 §3.4.3, §3.4.4; RFC 4870 §3.4.2), byte by byte, so
 * neither a large message nor a long line is ever held in memory: only a count of empty lines not yet known to be
 * trailing, and whether white space or a CR is pending. Lines end with CRLF (or a bare LF) on input, CRLF on output.
 */
final class BodyCanonicalizer extends OutputStream {
    private final Canonicalization algorithm;
    private final OutputStream sink;
    private final byte[] buffer = new byte[8192];
    private int buffered;
    private long pendingEmptyLines;
    private boolean lineHasContent;
    private boolean pendingSpace;
    private boolean pendingCr;
    private boolean wroteAnything;
    private boolean closed;

    BodyCanonicalizer(Canonicalization algorithm, OutputStream sink) {
        this.algorithm = algorithm;
        this.sink = sink;
    }

    @Override
    public void write(int b) throws IOException {
        if (pendingCr) {
            pendingCr = false;
            if (b == '\n') {
                endLine();
                return;
            }
            crInsideLine();
        }
        switch (b) {
            case '\r' -> pendingCr = true;
            case '\n' -> endLine();
            case ' ', '\t' -> whiteSpace((byte) b);
            default -> {
                if (pendingSpace) {
                    // RFC 6376 §3.4.4: a run of white space inside a line becomes one space.
                    pendingSpace = false;
                    content((byte) ' ');
                }
                content((byte) b);
            }
        }
    }

    /**
     * Byte by byte through {@link #write(int)}, except the rest of a run of text after a byte that left no state
     * pending (inside a line, no white space or CR held back): those bytes come out unchanged in every
     * canonicalization, so they are copied as a block. A 100 KB body spent most of its hashing time in the
     * per-byte calls otherwise (C1-compiled code, see conf/compiler-directives.json).
     */
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            write(bytes[i++]);
            if (lineHasContent && !pendingSpace && !pendingCr) {
                int run = i;
                while (run < end && isText(bytes[run])) {
                    run++;
                }
                putAll(bytes, i, run - i);
                i = run;
            }
        }
    }

    /** Not a line end, CR or white space: a byte every canonicalization passes on as it is. */
    private static boolean isText(byte b) {
        return b != '\r' && b != '\n' && b != ' ' && b != '\t';
    }

    private void whiteSpace(byte b) throws IOException {
        switch (algorithm) {
            case SIMPLE -> content(b);
            // Held back: white space at the end of a line goes (RFC 6376 §3.4.4).
            case RELAXED -> pendingSpace = true;
            // RFC 4870 §3.4.2: all white space goes.
            case NOFWS -> { }
        }
    }

    /** A CR not followed by LF is text, except in nofws, which removes it. */
    private void crInsideLine() throws IOException {
        if (algorithm != Canonicalization.NOFWS) {
            if (pendingSpace) {
                pendingSpace = false;
                content((byte) ' ');
            }
            content((byte) '\r');
        }
    }

    private void content(byte b) throws IOException {
        if (!lineHasContent) {
            // RFC 6376 §3.4.3, §3.4.4: empty lines count only once text follows them (trailing ones are ignored).
            for (; pendingEmptyLines > 0; pendingEmptyLines--) {
                put((byte) '\r');
                put((byte) '\n');
            }
            lineHasContent = true;
        }
        put(b);
    }

    private void endLine() throws IOException {
        pendingSpace = false;
        if (lineHasContent) {
            put((byte) '\r');
            put((byte) '\n');
            wroteAnything = true;
            lineHasContent = false;
        } else {
            pendingEmptyLines++;
        }
    }

    private void putAll(byte[] bytes, int from, int count) throws IOException {
        while (count > 0) {
            if (buffered == buffer.length) {
                sink.write(buffer, 0, buffered);
                buffered = 0;
            }
            int n = Math.min(count, buffer.length - buffered);
            System.arraycopy(bytes, from, buffer, buffered, n);
            buffered += n;
            from += n;
            count -= n;
        }
    }

    private void put(byte b) throws IOException {
        if (buffered == buffer.length) {
            sink.write(buffer, 0, buffered);
            buffered = 0;
        }
        buffer[buffered++] = b;
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
        if (pendingCr) {
            pendingCr = false;
            crInsideLine();
        }
        if (lineHasContent) {
            endLine();
        }
        if (!wroteAnything && algorithm == Canonicalization.SIMPLE) {
            put((byte) '\r');
            put((byte) '\n');
        }
        sink.write(buffer, 0, buffered);
        buffered = 0;
        sink.close();
    }
}
