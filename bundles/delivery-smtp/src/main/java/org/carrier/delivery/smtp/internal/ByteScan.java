package org.carrier.delivery.smtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The scans a message gets on its way out (8-bit content, lines to dot-stuff), eight bytes at a time: Carrier runs
 * C1-compiled code by default, which reads a byte array one byte per step, and a 100 KB message is scanned twice.
 */
final class ByteScan {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final long LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long DOT = 0x2E2E2E2E2E2E2E2EL;

    private ByteScan() {
    }

    /** Whether any of the first {@code length} bytes is above 127. */
    static boolean anyEightBit(byte[] bytes, int length) {
        long any = 0;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            any |= word(bytes, i);
        }
        for (; i < length; i++) {
            any |= bytes[i]; // sign-extended: a byte above 127 sets the high bits
        }
        return (any & HIGH) != 0;
    }

    /** The index of the first LF at or after {@code from} that a dot follows within {@code end}, or -1. */
    static int nextLineStartingWithDot(byte[] bytes, int from, int end) {
        int i = from;
        for (; i + 9 <= end; i += 8) {
            long lf = zeroBytes(word(bytes, i) ^ LF);
            if (lf != 0) {
                long both = lf & zeroBytes(word(bytes, i + 1) ^ DOT);
                if (both != 0) {
                    return i + (Long.numberOfTrailingZeros(both) >>> 3); // little-endian: byte k is bits 8k..8k+7
                }
            }
        }
        for (; i < end - 1; i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '.') {
                return i;
            }
        }
        return -1;
    }

    private static long word(byte[] bytes, int index) {
        return (long) LONGS.get(bytes, index);
    }

    /** 0x80 in exactly the bytes of {@code v} that are zero (no borrow between bytes, unlike the shorter formula). */
    private static long zeroBytes(long v) {
        return ~(((v & LOW7) + LOW7) | v | LOW7);
    }
}
