package org.carrier.smtp.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Takes message content from the raw byte stream, in pieces as the network delivers them, and writes it
 * to the queue file with CRLF line endings.
 * <p>
 * For DATA ({@link #dotted}): removes dot-stuffing (RFC 5321 §4.5.2) and stops only at {@code CRLF.CRLF}
 * (RFC 5321 §4.1.1.4): a bare LF or CR never ends the data, so no message can be smuggled after a fake end
 * (CVE-2023-51764 class). For BDAT chunks ({@link #raw}, RFC 3030) the length ends each chunk and nothing
 * is unstuffed, but line endings are checked the same way, so a bare LF never reaches a next hop that
 * might read it as a line end. Bare LF or CR is either flagged (the session then refuses the message) or
 * normalized to CRLF. The state lives between calls, so it does not matter how the client splits its writes.
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
    private final boolean dotStuffed;
    private final Sink sink;
    /** Where a direct buffer is copied to be read ({@link #feedCopied}). */
    private final byte[] block = new byte[8192];
    private State state = State.LINE_START;
    private boolean strictLineStart = true; // only a line start after CRLF can hold the end of data
    private boolean bare;

    private DataReader(boolean normalize, boolean dotStuffed, long maxSize, OutputStream out) {
        this.normalize = normalize;
        this.dotStuffed = dotStuffed;
        this.sink = new Sink(out, maxSize);
    }

    /** A reader for DATA content: dot-stuffed, ended by {@code CRLF.CRLF}. */
    static DataReader dotted(boolean normalize, long maxSize, OutputStream out) {
        return new DataReader(normalize, true, maxSize, out);
    }

    /** A reader for the chunks of one BDAT message: taken as they are, only line endings checked. */
    static DataReader raw(boolean normalize, long maxSize, OutputStream out) {
        return new DataReader(normalize, false, maxSize, out);
    }

    /**
     * Consumes bytes from {@code in} up to the end-of-data line (consumed too) or until {@code in} is empty.
     * Past {@code maxSize}, or once writing failed, the data is read and dropped, so the session stays in step.
     *
     * @return true once the end of data was read; {@code in}'s position is then just after it
     */
    boolean feed(ByteBuffer in) {
        if (!in.hasArray()) {
            return feedCopied(in);
        }
        while (in.hasRemaining()) {
            if (state == State.TEXT) {
                copyText(in);
                if (!in.hasRemaining()) {
                    break;
                }
            }
            if (next(in.get() & 0xff)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A buffer without an array (direct memory, as the network delivers it) is copied into one a block at a time
     * and read there: reading direct memory byte by byte costs several times more per byte.
     */
    private boolean feedCopied(ByteBuffer in) {
        while (in.hasRemaining()) {
            int n = Math.min(in.remaining(), block.length);
            in.get(in.position(), block, 0, n);
            ByteBuffer copy = ByteBuffer.wrap(block, 0, n);
            boolean end = feed(copy);
            in.position(in.position() + copy.position());
            if (end) {
                return true;
            }
        }
        return false;
    }

    /**
     * Inside a line nothing but CR or LF changes the state, so the run up to the next one is copied in one write
     * and the state machine takes over at that CR or LF: most of a message's bytes skip it.
     */
    private void copyText(ByteBuffer in) {
        byte[] bytes = in.array();
        int base = in.arrayOffset();
        int start = base + in.position();
        int limit = base + in.limit();
        int end = LineBreaks.next(bytes, start, limit);
        sink.write(bytes, start, end - start);
        in.position(end - base);
    }

    /** What was read so far (complete after {@link #feed} returned true, or after the last BDAT chunk). */
    Result result() {
        if (!dotStuffed && state == State.CR) {
            // A CR at the very end of a BDAT message has no LF after it.
            bare = true;
            lineBreak();
            state = State.LINE_START;
        }
        return new Result(sink.count, bare, sink.count > sink.max, sink.failure);
    }

    /** Reads a whole DATA section from a stream (for tests and tools): bytes after the end stay in {@code in}. */
    static Result read(InputStream in, OutputStream out, boolean normalize, long maxSize) throws IOException {
        DataReader reader = dotted(normalize, maxSize, out);
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during DATA");
            }
            one.clear();
            one.put((byte) b).flip();
            if (reader.feed(one)) {
                return reader.result();
            }
        }
    }

    /** Consumes one byte; true at the end of data. */
    private boolean next(int b) {
        switch (state) {
            case LINE_START -> {
                if (b == '.' && dotStuffed) {
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
                    state = text(b);
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
        state = text(b);
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
        lineBreak();
    }

    /** A character inside a line: CR waits for its LF; a bare LF becomes a line break; the rest is copied. */
    private State text(int b) {
        if (b == '\r') {
            return State.CR;
        }
        if (b == '\n') {
            lineBreak();
            return State.LINE_START;
        }
        sink.write(b);
        return State.TEXT;
    }

    /** A bare CR or LF: kept as CRLF when normalizing (the message is refused otherwise, so it does not matter). */
    private void lineBreak() {
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

        /** Writes {@code length} bytes of {@code bytes} from {@code offset} (up to the limit). */
        void write(byte[] bytes, int offset, int length) {
            int room = (int) Math.max(0, Math.min(length, max - count));
            count += length;
            if (room > 0 && failure == null) {
                try {
                    out.write(bytes, offset, room);
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
    }
}
