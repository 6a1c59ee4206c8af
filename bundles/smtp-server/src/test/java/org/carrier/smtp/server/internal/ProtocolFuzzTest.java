package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

/**
 * A bounded mutation fuzzer for the command parser and the data reader, seeded from the corpus in
 * {@code src/test/resources/fuzz/}. Deterministic by default (fixed seed, fixed count) so CI stays fast and a failure
 * repeats; {@code -Dcarrier.fuzz.seed=N -Dcarrier.fuzz.runs=N} explore further. Each failure names its seed and input.
 */
class ProtocolFuzzTest {
    private static final long SEED = Long.getLong("carrier.fuzz.seed", 5321L);
    private static final int RUNS = Integer.getInteger("carrier.fuzz.runs", 3000);
    private static final String[] TOKENS = {"\r", "\n", "\r\n", ".", "\r\n.\r\n", "\n.\n", "<", ">", "\"", "\\", "@", ":", ",", "%",
        "=", " ", "+", "[", "]", "é", "\u0000", "\u00ff", "LAST", " SMTPUTF8", "IPv6:", "@localhost", "relay.test", "..", "\t"};

    private final Random random = new Random(SEED);

    @Test
    void commandsNeverBreakTheSessionAndNeverOpenRelaying() throws IOException {
        List<String> seeds = Arrays.asList(resource("commands.txt").split("\n"));
        for (int run = 0; run < RUNS; run++) {
            ProtocolDriver d = ProtocolDriver.untrusted();
            List<String> script = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                script.add(new String(mutate(seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
            }
            try {
                play(d, script);
            } catch (RuntimeException | AssertionError e) {
                fail("seed " + SEED + " run " + run + ": " + script + ": " + e, e);
            }
            for (MemoryQueue.Committed m : d.queue.committed) {
                m.envelope().recipients().forEach(r -> assertEquals("localhost", r.address().domain(),
                        "an untrusted client got mail relayed: " + script));
            }
        }
    }

    /** Plays the lines as the channel handler would frame them, then tries to finish a transaction. */
    private void play(ProtocolDriver d, List<String> script) {
        d.send("EHLO fuzz.test");
        for (String chunk : script) {
            for (String line : chunk.split("\n", -1)) {
                if (d.next == Response.Next.CLOSE) {
                    return;
                }
                if (d.next == Response.Next.CONTENT) {
                    feedUntilDone(d, line + "\r\n");
                    continue;
                }
                String command = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                checkReplies(command, d.send(command));
                checkRoundTrip(command);
            }
        }
        if (d.next == Response.Next.COMMAND && d.send("DATA").startsWith("354")) {
            feedUntilDone(d, "Subject: fuzz\r\n\r\nbody\r\n.\r\n");
        }
        d.protocol.close();
    }

    private static void feedUntilDone(ProtocolDriver d, String bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes.getBytes(StandardCharsets.UTF_8));
        while (in.hasRemaining() && d.next == Response.Next.CONTENT) {
            Response r = d.protocol.content(in);
            d.next = r.next();
        }
    }

    /** Every reply but the EHLO/HELO answer and 354 carries an enhanced status code (RFC 2034). */
    private static void checkReplies(String command, String replies) {
        assertTrue(!replies.isEmpty() || command.toUpperCase().startsWith("BDAT"), "no reply to " + command);
        for (String reply : replies.split(" \\| ")) {
            if (reply.isEmpty() || reply.startsWith("354") || reply.startsWith("250-") || reply.equals("250 mx.carrier.test")) {
                continue;
            }
            assertTrue(reply.matches("(?s)[245]\\d\\d [245]\\.\\d{1,3}\\.\\d{1,3} .*"), command + " -> " + reply);
        }
    }

    /** An address the parser accepts parses again, from its own text, to the same address. */
    private static void checkRoundTrip(String command) {
        int colon = command.indexOf(':');
        if (colon < 0 || !(command.regionMatches(true, 0, "MAIL FROM:", 0, 10) || command.regionMatches(true, 0, "RCPT TO:", 0, 8))) {
            return;
        }
        MailAddress first;
        try {
            first = PathArgument.parse(command.substring(colon + 1), true, "localhost").address();
        } catch (PathArgument.SyntaxException e) {
            return;
        }
        if (first != null) {
            try {
                assertEquals(first, PathArgument.parse("<" + first + ">", false, "localhost").address(), command);
            } catch (PathArgument.SyntaxException e) {
                fail("accepted " + command + " but not its own address " + first + ": " + e.getMessage());
            }
        }
    }

    @Test
    void dataEndsExactlyAtTheFirstCrLfDotCrLfHoweverItIsSplit() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            seeds.add(resource("data-" + i + ".txt").getBytes(StandardCharsets.ISO_8859_1));
        }
        for (int run = 0; run < RUNS; run++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())));
            try {
                checkData(input);
            } catch (AssertionError e) {
                fail("seed " + SEED + " run " + run + ": " + show(input) + ": " + e.getMessage(), e);
            }
        }
    }

    /** The reference: the first CRLF.CRLF, counting the CRLF before the data; bare CR or LF anywhere before it. */
    private void checkData(byte[] input) {
        String wire = "\r\n" + new String(input, StandardCharsets.ISO_8859_1);
        int end = wire.indexOf("\r\n.\r\n");
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        DataReader one = DataReader.dotted(false, 1 << 20, whole);
        ByteBuffer all = ByteBuffer.wrap(input);
        boolean ended = one.feed(all);
        assertEquals(end >= 0, ended, "end found");
        if (!ended) {
            return;
        }
        assertEquals(end + 3, all.position(), "bytes consumed");
        String content = wire.substring(2, end + 2);
        boolean bare = content.replace("\r\n", "").indexOf('\r') >= 0 || content.replace("\r\n", "").indexOf('\n') >= 0;
        assertEquals(bare, one.result().bareLineEnding(), "bare line ending");
        if (!bare) {
            assertEquals(content.replace("\r\n.", "\r\n").replaceFirst("^\\.", ""), whole.toString(StandardCharsets.ISO_8859_1), "unstuffed");
        }
        // Split anywhere, in pieces of any size: the same result.
        ByteArrayOutputStream pieces = new ByteArrayOutputStream();
        DataReader split = DataReader.dotted(false, 1 << 20, pieces);
        int at = 0;
        boolean splitEnded = false;
        while (at < input.length && !splitEnded) {
            int n = 1 + random.nextInt(Math.min(8, input.length - at));
            ByteBuffer piece = ByteBuffer.wrap(input, at, n);
            splitEnded = split.feed(piece);
            at = piece.position();
        }
        assertTrue(splitEnded);
        assertEquals(end + 3, at, "bytes consumed when split");
        assertEquals(whole.toString(StandardCharsets.ISO_8859_1), pieces.toString(StandardCharsets.ISO_8859_1));
    }

    private byte[] mutate(byte[] seed) {
        List<Byte> bytes = new ArrayList<>();
        for (byte b : seed) {
            bytes.add(b);
        }
        int ops = 1 + random.nextInt(4);
        for (int i = 0; i < ops; i++) {
            int at = bytes.isEmpty() ? 0 : random.nextInt(bytes.size() + 1);
            switch (random.nextInt(4)) {
                case 0 -> {
                    for (byte b : TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8)) {
                        bytes.add(Math.min(at++, bytes.size()), b);
                    }
                }
                case 1 -> {
                    if (at < bytes.size()) {
                        bytes.set(at, (byte) random.nextInt(256));
                    }
                }
                case 2 -> {
                    int n = Math.min(random.nextInt(4) + 1, bytes.size() - at);
                    for (int k = 0; k < n; k++) {
                        bytes.remove(at);
                    }
                }
                default -> {
                    if (!bytes.isEmpty()) {
                        int from = random.nextInt(bytes.size());
                        List<Byte> copy = new ArrayList<>(bytes.subList(from, Math.min(bytes.size(), from + 1 + random.nextInt(8))));
                        bytes.addAll(at, copy);
                    }
                }
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    private static String show(byte[] input) {
        return new String(input, StandardCharsets.ISO_8859_1).replace("\r", "<CR>").replace("\n", "<LF>");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ProtocolFuzzTest.class.getResourceAsStream("/fuzz/" + name)) {
            if (in == null) {
                throw new IOException("missing fuzz corpus file " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
