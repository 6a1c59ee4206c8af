package org.carrier.smtp.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads the message data after {@code 354} from the raw byte stream, removing dot-stuffing
 * (RFC 5321 §4.5.2) and stopping only at {@code CRLF.CRLF} (RFC 5321 §4.1.1.4): a bare LF or CR
 * never ends the data, so no message can be smuggled after a fake end (CVE-2023-51764 class).
 * Bare LF or CR is either flagged (the session then refuses the message) or normalized to CRLF.
 * Works byte by byte on a buffered stream, so it does not matter how the client splits its writes.
 */
final class DataReader {
    /**
     * What reading found.
     *
     * @param size           bytes of message data after unstuffing (and normalizing)
     * @param bareLineEnding whether a bare CR or LF was seen
     * @param tooBig         whether the data exceeded the limit (only the first {@code maxSize} bytes were written)
     * @param writeFailure   why writing to the output failed, or {@code null}; the data was still read to its end
     */
    record Result(long size, boolean bareLineEnding, boolean tooBig, IOException writeFailure) {
    }

    private enum State { LINE_START, DOT, DOT_CR, TEXT, CR }

    private final boolean normalize;
    private final long maxSize;

    DataReader(boolean normalize, long maxSize) {
        this.normalize = normalize;
        this.maxSize = maxSize;
    }

    /**
     * Copies the data to {@code out} until the end-of-data line, which is consumed; bytes after it stay in
     * {@code in}. Past {@code maxSize}, or once writing to {@code out} failed, the data is read and dropped,
     * so the session stays in step with the client.
     *
     * @throws java.io.EOFException if the connection ends first
     * @throws IOException          only for failures reading {@code in}
     */
    Result read(InputStream in, OutputStream out) throws IOException {
        Scan scan = new Scan(new Sink(out, maxSize));
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during DATA");
            }
            if (scan.next(b)) {
                return new Result(scan.sink.count, scan.bare, scan.sink.count > maxSize, scan.sink.failure);
            }
        }
    }

    /** The scanner's state between bytes. */
    private final class Scan {
        private final Sink sink;
        private State state = State.LINE_START;
        private boolean strictLineStart = true; // only a line start after CRLF can hold the end of data
        private boolean bare;

        Scan(Sink sink) {
            this.sink = sink;
        }

        /** Consumes one byte; true at the end of data. */
        boolean next(int b) {
            switch (state) {
                case LINE_START -> {
                    if (b == '.') {
                        state = State.DOT;
                    } else {
                        startText(b);
                    }
                }
                // RFC 5321 §4.5.2: the first dot of a line is transparency padding, dropped, unless it is alone.
                case DOT -> {
                    if (b == '\r') {
                        state = State.DOT_CR;
                    } else if (b == '\n') {
                        sink.write('.');
                        bareLineFeed();
                    } else {
                        startText(b);
                    }
                }
                case DOT_CR -> {
                    if (b == '\n' && strictLineStart) {
                        return true;
                    }
                    sink.write('.');
                    if (b == '\n') {
                        endLine();
                    } else {
                        bareBreak();
                        startText(b);
                    }
                }
                case TEXT -> {
                    if (b == '\n') {
                        bareLineFeed();
                    } else {
                        state = text(b, sink);
                    }
                }
                case CR -> {
                    if (b == '\n') {
                        endLine();
                    } else {
                        bareBreak();
                        startText(b);
                    }
                }
                default -> throw new IllegalStateException(state.toString());
            }
            return false;
        }

        /** A proper CRLF: the next line may hold the end of data. */
        private void endLine() {
            sink.crlf();
            state = State.LINE_START;
            strictLineStart = true;
        }

        /** The first character after a line start or a lone CR; a bare LF here starts a line that cannot end the data. */
        private void startText(int b) {
            if (b == '\n') {
                bare = true;
            }
            state = text(b, sink);
            strictLineStart = b != '\n';
        }

        /** A bare LF ends the line, but the next line cannot hold the end of data. */
        private void bareLineFeed() {
            bareBreak();
            state = State.LINE_START;
            strictLineStart = false;
        }

        private void bareBreak() {
            bare = true;
            lineBreak(sink);
        }
    }

    /** A character inside a line: CR waits for its LF; a bare LF becomes a line break; the rest is copied. */
    private State text(int b, Sink sink) {
        if (b == '\r') {
            return State.CR;
        }
        if (b == '\n') {
            lineBreak(sink);
            return State.LINE_START;
        }
        sink.write(b);
        return State.TEXT;
    }

    /** A bare CR or LF: kept as CRLF when normalizing (the message is refused otherwise, so it does not matter). */
    private void lineBreak(Sink sink) {
        if (normalize) {
            sink.crlf();
        }
    }

    /** Counts what is written and stops writing beyond the limit or after the output failed. */
    private static final class Sink {
        private final OutputStream out;
        private final long max;
        private long count;
        private IOException failure;

        Sink(OutputStream out, long max) {
            this.out = out;
            this.max = max;
        }

        void write(int b) {
            if (++count <= max && failure == null) {
                try {
                    out.write(b);
                } catch (IOException e) {
                    failure = e;
                }
            }
        }

        void crlf() {
            write('\r');
            write('\n');
        }
    }
}
