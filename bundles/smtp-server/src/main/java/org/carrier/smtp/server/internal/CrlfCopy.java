package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies text into a message with CRLF line endings (RFC 5322 §2.3: CR and LF only together), a bare CR or LF becoming
 * CRLF, and a last line without one ended: for a replacement body, which a filter may give with LF alone (libmilter's
 * smfi_replacebody takes the body as the milter has it).
 */
final class CrlfCopy {
    /** Reading {@code in} failed (not writing): the source is to blame. */
    static final class SourceFailure extends IOException {
        SourceFailure(IOException cause) {
            super(cause.toString(), cause);
        }
    }

    private CrlfCopy() {
    }

    /** @return the bytes written */
    static long copy(InputStream in, OutputStream out) throws IOException {
        long written = 0;
        int previous = -1;
        int c;
        while ((c = read(in)) != -1) {
            if (c == '\n' && previous != '\r' || c != '\n' && previous == '\r') {
                out.write(c == '\n' ? '\r' : '\n');
                written++;
            }
            out.write(c);
            written++;
            previous = c;
        }
        if (previous == '\r') {
            out.write('\n');
            written++;
        } else if (previous != -1 && previous != '\n') {
            out.write('\r');
            out.write('\n');
            written += 2;
        }
        return written;
    }

    private static int read(InputStream in) throws SourceFailure {
        try {
            return in.read();
        } catch (IOException e) {
            throw new SourceFailure(e);
        }
    }
}
