package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

class DataReaderTest {

    private static String[] read(String wire, boolean normalize, long max) throws IOException {
        InputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataReader.Result r = DataReader.read(in, out, normalize, max);
        String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        return new String[] {out.toString(StandardCharsets.ISO_8859_1), String.valueOf(r.bareLineEnding()), String.valueOf(r.tooBig()), rest};
    }

    @Test
    void onlyCrLfDotCrLfEndsTheDataAndTheRestStaysUnread() throws IOException {
        String[] r = read("a\r\n..b\r\n.c\r\n.\r\nQUIT\r\n", false, 1000);
        assertEquals("a\r\n.b\r\nc\r\n", r[0]);
        assertEquals("QUIT\r\n", r[3]);
        assertEquals("false", r[1]);
    }

    /** The network hands over direct buffers, read through a copy: the same bytes out, the same end, in any pieces. */
    @Test
    void directBuffersReadLikeArraysWhateverThePieces() throws IOException {
        StringBuilder wire = new StringBuilder();
        Random random = new Random(42);
        for (int i = 0; i < 3_000; i++) {
            wire.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" ".repeat(random.nextInt(120))).append("\r\n");
        }
        wire.append("x".repeat(20_000)).append("\r\n.\r\nQUIT\r\n"); // a line longer than the copy block
        byte[] bytes = wire.toString().getBytes(StandardCharsets.US_ASCII);
        String expected = read(wire.toString(), false, Long.MAX_VALUE)[0];
        for (int round = 0; round < 5; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataReader reader = DataReader.dotted(false, Long.MAX_VALUE, out);
            int position = 0;
            boolean ended = false;
            while (!ended) {
                int n = Math.min(bytes.length - position, 1 + random.nextInt(20_000));
                ByteBuffer piece = ByteBuffer.allocateDirect(n).put(bytes, position, n).flip();
                ended = reader.feed(piece);
                position += piece.position();
                assertTrue(ended || !piece.hasRemaining(), "a piece is taken whole unless the data ends in it");
            }
            assertEquals(expected, out.toString(StandardCharsets.US_ASCII));
            assertEquals("QUIT\r\n", new String(bytes, position, bytes.length - position, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anEmptyMessageEndsAtOnce() throws IOException {
        assertEquals("", read(".\r\n", false, 10)[0]);
    }

    @Test
    void smugglingSequencesAreNotTheEnd() throws IOException {
        for (String fake : new String[] {"\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\r\n.\r\r\n"}) {
            String[] r = read("x" + fake + "y\r\n.\r\n", false, 1000);
            assertEquals("true", r[1], "bare line ending flagged in " + fake.replace("\r", "CR").replace("\n", "LF"));
            assertEquals("", r[3], "nothing read past the real end for " + fake.replace("\r", "CR").replace("\n", "LF"));
        }
    }

    @Test
    void dotStuffingWorksWhateverTheReadBoundaries() throws IOException {
        InputStream slow = new InputStream() {
            private final byte[] bytes = "..one\r\n..\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
            private int i;

            @Override
            public int read() {
                return i < bytes.length ? bytes[i++] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return i < bytes.length ? (b[off] = bytes[i++]) * 0 + 1 : -1;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataReader.read(slow, out, false, 100);
        assertEquals(".one\r\n.\r\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void beyondTheLimitNothingMoreIsKept() throws IOException {
        String[] r = read("0123456789\r\n.\r\n", false, 5);
        assertEquals("01234", r[0]);
        assertEquals("true", r[2]);
        assertFalse(r[3].length() > 0);
    }

    @Test
    void normalizeTurnsBareEndingsIntoCrLf() throws IOException {
        String[] r = read("a\nb\rc\r\n.\r\n", true, 100);
        assertEquals("a\r\nb\r\nc\r\n", r[0]);
        assertTrue(Boolean.parseBoolean(r[1]));
    }

    @Test
    void aConnectionThatEndsInTheDataIsAnError() {
        assertThrows(EOFException.class, () -> read("no end\r\n", false, 100));
    }

    /** Every way a client (or a smuggler) may fake an end of data: each is data, and the message goes on to the real end. */
    @Test
    void everyFakeEndOfDataIsData() throws IOException {
        String[] fakes = {"\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\r\n.\r\r\n", "\r.\n", "\r\n.\r", "\n.\r",
            "\r\n.\r.\r\n", "\r\n \r\n.\n", "\n\r\n.\n", "\r\n\u0000.\r\n", "\r\n .\r\n", "\r\n.\u0000\r\n", "\r\n..\r\n"};
        for (String fake : fakes) {
            String shown = fake.replace("\r", "CR").replace("\n", "LF").replace("\u0000", "NUL");
            String[] r = read("x" + fake + "MAIL FROM:<evil@x.test>\r\n.\r\nQUIT\r\n", false, 1000);
            assertEquals("QUIT\r\n", r[3], "only the real end ends the data: " + shown);
            assertTrue(r[0].contains("MAIL FROM:<evil@x.test>"), "the smuggled command is data: " + shown);
            boolean bare = fake.replace("\r\n", "").contains("\r") || fake.replace("\r\n", "").contains("\n");
            assertEquals(String.valueOf(bare), r[1], "bare line ending flagged for " + shown);
        }
    }

    @Test
    void bdatContentIsTakenAsItIsExceptForLineEndings() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataReader raw = DataReader.raw(false, 100, out);
        for (String piece : new String[] {"..a\r", "\n.\r\n", "b\r"}) {
            assertFalse(raw.feed(java.nio.ByteBuffer.wrap(piece.getBytes(StandardCharsets.US_ASCII))), "BDAT has no end line");
        }
        DataReader.Result r = raw.result();
        assertEquals("..a\r\n.\r\nb", out.toString(StandardCharsets.US_ASCII));
        assertTrue(r.bareLineEnding(), "a CR at the very end has no LF");
    }
}
