package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time scans agree with the plain byte loops they replace, at every position and length. */
class ByteScanTest {

    @Test
    void eightBitIsFoundAtEveryPositionAndOnlyThere() {
        for (int length = 0; length < 40; length++) {
            byte[] bytes = new byte[length];
            Arrays.fill(bytes, (byte) 'a');
            assertFalse(ByteScan.anyEightBit(bytes, length));
            for (int at = 0; at < length; at++) {
                byte[] marked = bytes.clone();
                marked[at] = (byte) 0xE9;
                assertTrue(ByteScan.anyEightBit(marked, length), "at " + at + " of " + length);
                assertFalse(ByteScan.anyEightBit(marked, at), "only the first " + at + " bytes count");
            }
        }
    }

    @Test
    void linesStartingWithADotAreFoundAsTheByteLoopFindsThem() {
        Random random = new Random(42);
        byte[] alphabet = {'\n', '.', '\r', 'a', (byte) 0x8a, (byte) 0xae, 0};
        for (int round = 0; round < 5_000; round++) {
            byte[] bytes = new byte[random.nextInt(70)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[random.nextInt(alphabet.length)];
            }
            int end = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            for (int from = 0, expected = plain(bytes, 0, end); ; from = expected + 1, expected = plain(bytes, from, end)) {
                assertEquals(expected, ByteScan.nextLineStartingWithDot(bytes, from, end), "from " + from + " in " + Arrays.toString(bytes));
                if (expected < 0) {
                    break;
                }
            }
        }
    }

    private static int plain(byte[] bytes, int from, int end) {
        for (int i = from; i < end - 1; i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '.') {
                return i;
            }
        }
        return -1;
    }
}
