package org.carrier.filter.dkim.internal;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Measures the body hash (canonicalization + SHA-256) of a 100 MiB body that exists only as a stream, in a small heap
 * to show it is never held in memory. Not a test; run it after {@code mvn -q -pl bundles/filter-dkim -am test-compile}:
 * <pre>
 * java -Xmx32m -cp bundles/filter-dkim/target/classes:bundles/filter-dkim/target/test-classes \
 *     org.carrier.filter.dkim.internal.BodyHashBenchmark
 * </pre>
 */
public final class BodyHashBenchmark {
    private static final long SIZE = 100L << 20;
    private static final byte[] LINE = "Lorem ipsum dolor sit amet,  consectetur adipiscing elit, sed do eiusmod tempor\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private BodyHashBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        for (Canonicalization canon : new Canonicalization[] {Canonicalization.SIMPLE, Canonicalization.RELAXED}) {
            for (int round = 1; round <= 3; round++) {
                long start = System.nanoTime();
                DkimCheck.BodyHash.of(Algorithm.RSA_SHA256, canon, body());
                double seconds = (System.nanoTime() - start) / 1e9;
                Runtime rt = Runtime.getRuntime();
                System.out.printf("%s round %d: 100 MiB in %.2f s (%.0f MiB/s), heap in use %d MiB of at most %d MiB%n",
                        canon.tagValue(), round, seconds, 100 / seconds, (rt.totalMemory() - rt.freeMemory()) >> 20,
                        rt.maxMemory() >> 20);
            }
        }
    }

    private static InputStream body() {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < SIZE ? LINE[(int) (position++ % LINE.length)] : -1;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) {
                if (position >= SIZE) {
                    return -1;
                }
                // in blocks: the source's own per-byte work would otherwise be much of what is measured
                int n = (int) Math.min(length, SIZE - position);
                for (int done = 0; done < n; ) {
                    int at = (int) ((position + done) % LINE.length);
                    int piece = Math.min(n - done, LINE.length - at);
                    System.arraycopy(LINE, at, bytes, offset + done, piece);
                    done += piece;
                }
                position += n;
                return n;
            }
        };
    }
}
