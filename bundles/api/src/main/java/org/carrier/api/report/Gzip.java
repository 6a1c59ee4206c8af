package org.carrier.api.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** Reports travel gzipped (RFC 8460 §5.1, RFC 7489 §7.2.1.1), in the format of RFC 1952. */
public final class Gzip {
    private Gzip() {
    }

    /** {@code data}, compressed. */
    public static byte[] compress(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, data.length / 4));
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }
}
