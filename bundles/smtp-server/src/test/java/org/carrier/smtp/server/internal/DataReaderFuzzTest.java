package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for {@link DataReader}: each input is the byte stream a client sends after {@code 354}.
 * Seeds: {@code DataReaderFuzzTestInputs/dataStream/}. The expected outcome comes from a plain reference
 * implementation below, written from RFC 5321 §4.1.1.4 and §4.5.2, not from the reader's state machine.
 */
class DataReaderFuzzTest {
    private static final String END = "\r\n.\r\n";

    /**
     * Properties: the data ends exactly at the first CRLF.CRLF (counting the CRLF before the data) and nothing after
     * it is consumed; a bare CR or LF before it is flagged; clean data comes out unstuffed; normalizing leaves only
     * CRLF line endings; and splitting the input into network reads of any sizes changes nothing.
     */
    @DictionaryFile(resourcePath = "smtp-data.dict")
    @FuzzTest(maxDuration = "20s")
    void dataStream(byte[] input) {
        Expected expected = Expected.of(input);
        Outcome whole = Outcome.read(input, new int[] {input.length}, false);
        assertEquals(expected.ended(), whole.ended, "end found");
        if (expected.ended()) {
            assertEquals(expected.consumed(), whole.consumed, "bytes consumed");
            assertEquals(expected.bare(), whole.bare, "bare line ending flagged");
            if (!expected.bare()) {
                assertEquals(show(expected.unstuffed()), show(whole.content), "unstuffed content");
            }
        } else {
            assertEquals(input.length, whole.consumed, "all bytes consumed while the end is missing");
        }
        // RFC 5321 §4.1.1.4 does not care how TCP splits the stream: one byte at a time, and a split drawn from the input.
        int[] oneByOne = new int[input.length];
        Arrays.fill(oneByOne, 1);
        assertEquals(whole, Outcome.read(input, oneByOne, false), "read one byte at a time");
        assertEquals(whole, Outcome.read(input, split(input), false), "read in pieces");
        Outcome normalized = Outcome.read(input, split(input), true);
        assertEquals(whole.ended, normalized.ended, "normalizing moves the end");
        assertEquals(whole.consumed, normalized.consumed, "normalizing moves the end");
        assertTrue(onlyCrLf(normalized.content), "normalized content has a bare CR or LF: " + show(normalized.content));
    }

    /** The reference: plain string searching on the wire form, no state machine. */
    record Expected(boolean ended, int consumed, boolean bare, String unstuffed) {
        static Expected of(byte[] input) {
            // The CRLF that ended the DATA command line counts as the start of the first line.
            String wire = "\r\n" + new String(input, StandardCharsets.ISO_8859_1);
            int end = wire.indexOf(END);
            if (end < 0) {
                return new Expected(false, input.length, false, null);
            }
            String content = wire.substring(2, end + 2);
            String withoutCrLf = content.replace("\r\n", "");
            boolean bare = withoutCrLf.indexOf('\r') >= 0 || withoutCrLf.indexOf('\n') >= 0;
            StringBuilder unstuffed = new StringBuilder();
            for (String line : content.split("\r\n", -1)) {
                // RFC 5321 §4.5.2: a line's leading dot is padding.
                unstuffed.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
            }
            unstuffed.setLength(unstuffed.length() - 2);
            return new Expected(true, end + 3, bare, unstuffed.toString());
        }
    }

    /** What the reader did with the input fed in pieces of the given sizes. */
    record Outcome(boolean ended, int consumed, boolean bare, String content) {
        static Outcome read(byte[] input, int[] pieces, boolean normalize) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataReader reader = DataReader.dotted(normalize, 1 << 20, out);
            int at = 0;
            boolean ended = false;
            for (int i = 0; i < pieces.length && !ended; i++) {
                ByteBuffer piece = ByteBuffer.wrap(input, at, pieces[i]);
                ended = reader.feed(piece);
                assertFalse(!ended && piece.hasRemaining(), "the reader stopped before the end of a read");
                at = piece.position();
            }
            return new Outcome(ended, at, ended && reader.result().bareLineEnding(), out.toString(StandardCharsets.ISO_8859_1));
        }
    }

    /** Piece sizes drawn from the input itself, so a failing input repeats with the same split. */
    private static int[] split(byte[] input) {
        Random random = new Random(Arrays.hashCode(input));
        int[] sizes = new int[input.length];
        int n = 0;
        for (int left = input.length; left > 0; n++) {
            sizes[n] = 1 + random.nextInt(Math.min(left, 16));
            left -= sizes[n];
        }
        return Arrays.copyOf(sizes, n);
    }

    private static boolean onlyCrLf(String content) {
        return content.replace("\r\n", "").chars().noneMatch(c -> c == '\r' || c == '\n');
    }

    private static String show(String s) {
        return s.replace("\r", "<CR>").replace("\n", "<LF>");
    }
}
