package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the command parser: each input is a session script (one command per line) an untrusted
 * client plays against {@link SmtpProtocol}. Seeds: {@code CommandParserFuzzTestInputs/untrustedSessions/}. In
 * {@code mvn verify} it fuzzes for a bounded time (see the module's pom); without {@code JAZZER_FUZZ} it replays
 * the seeds only.
 */
class CommandParserFuzzTest {
    private static final int MAX_LINES = 64;
    /** Made once: building settings goes through Metatype defaults, too slow for every run. */
    private static final Pattern REPLY_LINES = Pattern.compile("(\\d{3}[- ][^\r\n]*\r\n)+");
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final ListenerSettings UNTRUSTED = TestSettings.of("trustedNetworks", "10.0.0.0/8");

    /**
     * Properties: an untrusted client never gets a non-local recipient accepted or mail relayed; an address the
     * parser accepts parses again, from its own text, to the same address; every reply but the EHLO answer and 354
     * carries an enhanced status code (RFC 2034); no command throws.
     */
    @DictionaryFile(resourcePath = "smtp-commands.dict")
    @FuzzTest(maxDuration = "20s")
    void untrustedSessions(byte[] input) {
        String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
        ProtocolDriver d = new ProtocolDriver(UNTRUSTED, "192.0.2.7");
        d.send("EHLO fuzz.test");
        for (int i = 0; i < Math.min(lines.length, MAX_LINES) && d.next != Response.Next.CLOSE; i++) {
            if (d.next == Response.Next.CONTENT) {
                feedUntilDone(d, lines[i] + "\r\n");
                continue;
            }
            String command = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            Response response = d.protocol.command(command);
            d.next = response.next();
            checkReplies(command, response.replies());
            String replies = response.replies().isEmpty() ? "" : Reply.wire(response.replies().get(0));
            checkRoundTrip(command);
            checkNoRelay(command, replies);
        }
        if (d.next == Response.Next.COMMAND && d.send("DATA").startsWith("354")) {
            feedUntilDone(d, "Subject: fuzz\r\n\r\nbody\r\n.\r\n");
        }
        d.protocol.close();
        for (MemoryQueue.Committed m : d.queue.committed) {
            m.envelope().recipients().forEach(r -> assertTrue(isLocal(r.address()), "an untrusted client got mail relayed to " + r.address()));
        }
    }

    private static void feedUntilDone(ProtocolDriver d, String bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes.getBytes(StandardCharsets.UTF_8));
        while (in.hasRemaining() && d.next == Response.Next.CONTENT) {
            d.next = d.protocol.content(in).next();
        }
    }

    /**
     * Every reply but the EHLO/HELO answer and 354 carries an enhanced status code of its class (RFC 2034 §3), and
     * no reply line holds a CR or LF of its own: a client's text echoed in a reply must not forge reply lines.
     */
    private static void checkReplies(String command, List<SmtpReply> replies) {
        assertTrue(!replies.isEmpty() || command.toUpperCase(Locale.ROOT).startsWith("BDAT"), "no reply to " + command);
        boolean greeting = command.regionMatches(true, 0, "EHLO", 0, 4) || command.regionMatches(true, 0, "HELO", 0, 4);
        for (SmtpReply reply : replies) {
            String wire = Reply.wire(reply);
            assertTrue(REPLY_LINES.matcher(wire).matches(), command + " -> malformed reply " + show(wire));
            if (reply.code() == 354 || greeting && reply.code() == 250) {
                continue;
            }
            String enhanced = String.valueOf(reply.enhancedStatus());
            assertTrue(ENHANCED.matcher(enhanced).matches() && enhanced.charAt(0) - '0' == reply.code() / 100, command + " -> " + show(wire));
        }
    }

    private static String show(String s) {
        return s.replace("\r", "<CR>").replace("\n", "<LF>");
    }

    /** The path argument of a MAIL FROM: or RCPT TO: line, or null for any other line. */
    private static String pathArgument(String command) {
        for (String verb : new String[] {"MAIL FROM:", "RCPT TO:"}) {
            if (command.regionMatches(true, 0, verb, 0, verb.length())) {
                return command.substring(verb.length());
            }
        }
        return null;
    }

    private static void checkRoundTrip(String command) {
        String argument = pathArgument(command);
        MailAddress first;
        try {
            first = argument == null ? null : PathArgument.parse(argument, true, "localhost").address();
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

    /** RFC 5321 §3.6.2: a recipient the server accepted from an untrusted client is one of ours. */
    private static void checkNoRelay(String command, String replies) {
        if (!replies.startsWith("250") || !command.regionMatches(true, 0, "RCPT TO:", 0, 8)) {
            return;
        }
        try {
            MailAddress accepted = PathArgument.parse(pathArgument(command), false, "localhost").address();
            assertTrue(isLocal(accepted), "an untrusted client got a non-local recipient accepted: " + command);
        } catch (PathArgument.SyntaxException e) {
            fail("the server accepted " + command + " which the parser refuses: " + e.getMessage());
        }
    }

    /** Our domain, or the address literal of the listener the driver's session is on (127.0.0.1: RFC 5321 §4.1.3). */
    private static boolean isLocal(MailAddress address) {
        String domain = address.domain();
        if (domain.startsWith("[")) {
            String literal = domain.substring(1, domain.length() - 1).replaceFirst("(?i)^IPv6:", "");
            try {
                return InetAddress.getByName(literal).equals(InetAddress.getByName("127.0.0.1"));
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return "localhost".equalsIgnoreCase(domain);
    }
}
