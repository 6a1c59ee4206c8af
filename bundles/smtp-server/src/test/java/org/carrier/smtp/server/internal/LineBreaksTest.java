package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time search agrees with a plain byte loop at every position, length and offset. */
class LineBreaksTest {

    @Test
    void findsTheFirstCrOrLfAsAByteLoopDoes() {
        Random random = new Random(5321);
        byte[] alphabet = {'\r', '\n', 'a', 0, (byte) 0x8d, (byte) 0x8a, (byte) 0xff, 0x0c, 0x0e};
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(48)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) 'x';
            }
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            int limit = from + (bytes.length == from ? 0 : random.nextInt(bytes.length - from + 1));
            assertEquals(plain(bytes, from, limit), LineBreaks.next(bytes, from, limit),
                    from + ".." + limit + " of " + Arrays.toString(bytes));
        }
    }

    private static int plain(byte[] bytes, int from, int limit) {
        int i = from;
        while (i < limit && bytes[i] != '\r' && bytes[i] != '\n') {
            i++;
        }
        return i;
    }
}
