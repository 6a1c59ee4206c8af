package org.carrier.smtp.server.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds the next CR or LF in message data eight bytes at a time: Carrier runs C1-compiled code by default, which
 * reads a byte array one byte per step, and every byte of every message passes through {@link DataReader}.
 */
final class LineBreaks {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long CR = 0x0D0D0D0D0D0D0D0DL;
    private static final long LF = 0x0A0A0A0A0A0A0A0AL;

    private LineBreaks() {
    }

    /** The index of the first CR or LF in {@code bytes[from, limit)}, or {@code limit} if there is none. */
    static int next(byte[] bytes, int from, int limit) {
        int i = from;
        for (; i + 8 <= limit; i += 8) {
            long word = (long) LONGS.get(bytes, i);
            long found = zeroBytes(word ^ CR) | zeroBytes(word ^ LF);
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3); // little-endian: byte k is bits 8k..8k+7
            }
        }
        while (i < limit && bytes[i] != '\r' && bytes[i] != '\n') {
            i++;
        }
        return i;
    }

    /** 0x80 in exactly the bytes of {@code v} that are zero (no borrow between bytes, unlike the shorter formula). */
    private static long zeroBytes(long v) {
        return ~(((v & LOW7) + LOW7) | v | LOW7);
    }
}
