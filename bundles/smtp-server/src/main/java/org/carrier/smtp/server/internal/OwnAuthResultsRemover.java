package org.carrier.smtp.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Drops the message's {@code Authentication-Results} fields that claim to come from this host, on their way to
 * the queue file. RFC 8601 §5: an MTA must delete instances of the field that carry its own authserv-id but
 * did not come from within its trust boundary; otherwise a sender could forge "dkim=pass" in our name for the
 * mail clients downstream. The header section is looked at field by field; the body passes straight through.
 * It works on what {@link DataReader} writes: unstuffed data with CRLF line endings.
 */
final class OwnAuthResultsRemover extends FilterOutputStream {
    private static final String FIELD = "authentication-results:";
    /** A field this long is not worth holding back: it is written as it comes. */
    private static final int MAX_HELD = 64 * 1024;

    private final String authservId;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int lineStart = -1;
    private boolean inHeader = true;
    /** The rest of a field in our name that was too long to hold: its continuation lines are dropped too. */
    private boolean dropping;
    private int removed;

    OwnAuthResultsRemover(OutputStream out, String authservId) {
        super(out);
        this.authservId = authservId.toLowerCase(Locale.ROOT);
    }

    @Override
    public void write(int b) throws IOException {
        if (!inHeader) {
            out.write(b);
            return;
        }
        if (line.size() == 0) {
            lineStart = b;
        }
        line.write(b);
        if (b == '\n') {
            endOfLine();
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int i = offset;
        int end = offset + length;
        while (inHeader && i < end) {
            // a line's bytes at a time, not byte by byte: ByteArrayOutputStream takes a lock per call
            int lf = indexOfLf(bytes, i, end);
            int stop = lf < 0 ? end : lf + 1;
            if (line.size() == 0) {
                lineStart = bytes[i];
            }
            line.write(bytes, i, stop - i);
            i = stop;
            if (lf >= 0) {
                endOfLine();
            }
        }
        if (i < end) {
            out.write(bytes, i, end - i);
        }
    }

    private static int indexOfLf(byte[] bytes, int from, int end) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A line is complete: it continues the held field, starts a new one, or ends the header section. */
    private void endOfLine() throws IOException {
        int first = lineStart;
        if (first == ' ' || first == '\t') {
            if (!dropping) {
                line.writeTo(field);
            }
        } else {
            dropping = false;
            release();
            if (first == '\r' || first == '\n') {
                inHeader = false; // RFC 5322 §2.1: the empty line ends the header section
                line.writeTo(out);
            } else {
                line.writeTo(field);
            }
        }
        line.reset();
        if (field.size() > MAX_HELD) {
            // The authserv-id is on the field's first line, so the decision can be made on what is held.
            if (claimsToBeOurs(field.toString(StandardCharsets.ISO_8859_1))) {
                removed++;
                dropping = true;
            } else {
                field.writeTo(out);
            }
            field.reset();
        }
    }

    /** Writes the held field, unless it is an Authentication-Results field in our name. */
    private void release() throws IOException {
        if (field.size() == 0) {
            return;
        }
        if (claimsToBeOurs(field.toString(StandardCharsets.ISO_8859_1))) {
            removed++;
        } else {
            field.writeTo(out);
        }
        field.reset();
    }

    /** RFC 8601 §2.2: the authserv-id is the first item of the field's value, before the first ";". */
    private boolean claimsToBeOurs(String text) {
        if (!text.regionMatches(true, 0, FIELD, 0, FIELD.length())) {
            return false;
        }
        String value = text.substring(FIELD.length());
        int semicolon = value.indexOf(';');
        String id = (semicolon < 0 ? value : value.substring(0, semicolon)).replaceAll("\\([^)]*\\)", "").strip();
        return id.toLowerCase(Locale.ROOT).equals(authservId);
    }

    /** The end of the message: a header section without a body still has its last field held. */
    void endOfMessage() throws IOException {
        if (inHeader) {
            line.writeTo(field);
            line.reset();
            release();
        }
        out.flush();
    }

    /** How many fields were removed. */
    int removed() {
        return removed;
    }
}
