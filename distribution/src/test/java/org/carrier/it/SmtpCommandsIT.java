package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SMTP command handling of the started distribution against real peers: a mail loop through a route back to our own
 * port ends at the hop limit with a bounce; a HELO refused by the SPF filter (its record served by a real nsd) leaves
 * the session without a greeting; commands end only at CRLF; our own address literal is local.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmtpCommandsIT {
    private static final int MAX_HOPS = 5;
    private static final String RELAY_HELO = "looper.test";
    /** A client on another loopback address, checked by SPF (127.0.0.1, which the loop relays from, is skipped). */
    private static final String SPF_CLIENT = "127.0.0.9";

    private NsdServer nsd;
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        nsd = NsdServer.start(Map.of("spf.test", """
                bad TXT "v=spf1 -all"
                ok TXT "v=spf1 ip4:127.0.0.9 -all"
                """), 60);
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-commands-"));
        Path listener = carrier.home.resolve("config/org.carrier.smtp.listener-default.cfg");
        Files.writeString(listener, Files.readString(listener, StandardCharsets.ISO_8859_1) + "maxHops = " + MAX_HOPS + "\n",
                StandardCharsets.ISO_8859_1);
        // The classic misconfiguration: a route that sends a domain back to this very listener.
        carrier.configure("org.carrier.route-loop.cfg", "name = loop\ndomains = loop.test\ntransport = smtp\nnextHops = 127.0.0.1:"
                + carrier.smtpPort + "\ntls = none\n");
        Path delivery = carrier.home.resolve("config/org.carrier.delivery.smtp.cfg");
        Files.writeString(delivery, Files.readString(delivery, StandardCharsets.ISO_8859_1).replace("heloName =", "heloName = " + RELAY_HELO),
                StandardCharsets.ISO_8859_1);
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.filter.spf.cfg", "failAction = REJECT\ncheckRelayClients = true\nskipNetworks = 127.0.0.1/32\n");
        Files.copy(carrier.home.resolve("extras/org.carrier.filter.spf.jar"), carrier.home.resolve("deploy/org.carrier.filter.spf.jar"));
        carrier.start();
        assertTrue(Distribution.waitFor(30, () -> ehlo(SPF_CLIENT, "bad.spf.test").startsWith("550")), "SPF is not active:\n" + carrier.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, nsd);
    }

    /** The reply to EHLO {@code name} from {@code client}. */
    private String ehlo(String client, String name) {
        try (SmtpClient c = new SmtpClient(InetAddress.getByName(client), "127.0.0.1", carrier.smtpPort)) {
            c.reply();
            return c.command("EHLO " + name);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aMailLoopEndsAtTheHopLimitWithABounce() throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            c.reply();
            c.command("EHLO origin.test");
            assertTrue(c.command("MAIL FROM:<looped@localhost>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<someone@loop.test>").startsWith("250"));
            assertTrue(c.data("Subject: round and round\r\n\r\nThis message is routed back to where it came from.\r\n").startsWith("250"));
        }
        String log = carrier.awaitLog("status=bounced (554 5.4.6 too many hops");
        assertTrue(log.contains("reject: too many hops: " + MAX_HOPS + " Received fields with ours, maxHops is " + MAX_HOPS), log);
        // Reception 1 came from the client with no Received field, and each relay back added ours: receptions 2, 3 and 4
        // came with 1, 2 and 3; the 5th came with 4, which with ours would be 5 = maxHops, and was refused.
        int relays = MAX_HOPS - 2;
        assertEquals(relays, count(log, "client=" + RELAY_HELO + "["), "relayed receptions");
        Thread.sleep(2_000);
        assertEquals(relays, count(carrier.awaitLog("client="), "client=" + RELAY_HELO + "["), "and no more: the loop stopped");
        // The bounce reaches the sender (a local Maildir) with the reason.
        Path maildir = carrier.maildir("looped");
        assertTrue(Distribution.waitFor(30, () -> !Distribution.newMail(maildir).isEmpty()), "no bounce for the sender:\n" + log);
        String dsn = Files.readString(Distribution.newMail(maildir).get(0), StandardCharsets.UTF_8);
        assertTrue(dsn.contains("Status: 5.4.6") && dsn.contains("too many hops"), dsn);
        System.out.printf("mail loop with maxHops %d: %d relays back to us, then bounced with 5.4.6%n", MAX_HOPS, relays);
    }

    @Test
    void afterAHeloTheSpfFilterRefusedTheClientMustGreetAgain() throws Exception {
        try (SmtpClient c = new SmtpClient(InetAddress.getByName(SPF_CLIENT), "127.0.0.1", carrier.smtpPort)) {
            c.reply();
            assertTrue(c.command("EHLO bad.spf.test").startsWith("550 5.7.23"));
            assertTrue(c.command("MAIL FROM:<someone@ok.spf.test>").startsWith("503 5.5.1"));
            assertTrue(c.command("RCPT TO:<postmaster@localhost>").startsWith("503 5.5.1"));
            assertTrue(c.command("DATA").startsWith("503 5.5.1"));
            assertTrue(c.command("EHLO ok.spf.test").startsWith("250"), "a greeting the filter accepts opens the session");
            assertTrue(c.command("MAIL FROM:<someone@ok.spf.test>").startsWith("250"));
            assertTrue(c.command("RCPT TO:<postmaster@localhost>").startsWith("250"));
            assertTrue(c.data("Subject: greeted properly\r\n\r\nhello\r\n").startsWith("250"));
        }
    }

    /** Writes {@code bytes} raw after the greeting and returns the next complete reply. */
    private String raw(String bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", carrier.smtpPort), 5_000);
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            line(in);
            s.getOutputStream().write(bytes.getBytes(StandardCharsets.UTF_8));
            String reply;
            do {
                reply = line(in);
            } while (reply.length() > 3 && reply.charAt(3) == '-');
            return reply;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("closed after " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString().strip();
    }

    @Test
    void commandsEndOnlyAtCrLfAndHeloNamesAreText() throws Exception {
        assertEquals("500 5.5.2 Error: bare <CR> or <LF> in a command line; commands end with <CR><LF>", raw("NOOP\nNOOP\r\n"));
        assertTrue(raw("EHLO client.test\r\nMAIL FROM:<a@client.test>\rSIZE=100\r\n").startsWith("250"), "EHLO first");
        assertEquals("500 5.5.2 Error: bare <CR> or <LF> in a command line; commands end with <CR><LF>",
                raw("MAIL FROM:<a@client.test>\rSIZE=100\r\n"));
        assertEquals("500 5.5.2 Error: bare <CR> or <LF> in a command line; commands end with <CR><LF>",
                raw("EHLO evil.test\rX-Injected:tok\r\n"));
        assertEquals("501 5.5.2 Syntax: EHLO hostname, in printable US-ASCII or UTF-8", raw("EHLO evil\u0001.test\r\n"));
        assertEquals("501 5.5.4 Syntax: RSET takes no argument", raw("RSET foo\r\n"));
        assertFalse(carrier.awaitLog("INFO").contains("X-Injected"), "no client bytes in the log");
    }

    @Test
    void aRefusedRecipientIsEscapedInTheLogLikeEveryClientText() throws Exception {
        // U+2028 (LINE SEPARATOR) is valid in an SMTPUTF8 address, and the router's refusal quotes the address.
        String forged = "x\u2028forged@nowhere.example";
        try (SmtpClient c = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            c.reply();
            c.command("EHLO client.test");
            assertTrue(c.command("MAIL FROM:<a@client.test> SMTPUTF8").startsWith("250"));
            assertTrue(c.command("RCPT TO:<" + forged + ">").startsWith("550 5.4.4"));
        }
        String log = carrier.awaitLog("forged@nowhere.example>: no route");
        assertTrue(log.contains("x?forged@nowhere.example>: no route"), log);
        assertFalse(log.contains("\u2028"), "a client's line separator reached the log");
    }

    @Test
    void postmasterAtOurOwnAddressLiteralIsOurPostmaster() throws Exception {
        assertTrue(SmtpClient.send(carrier.smtpPort, "someone@client.test", List.of("postmaster@[127.0.0.1]"),
                SmtpClient.message("to the literal", 100)).startsWith("250"));
        // Whoever the shipped aliases make postmaster gets it.
        String target = Files.readAllLines(carrier.home.resolve("config/aliases.properties"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.matches("postmaster\\s*=.*")).map(l -> l.substring(l.indexOf('=') + 1).strip()).findFirst().orElseThrow();
        Path mailbox = carrier.maildir(target);
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(mailbox).stream().anyMatch(p -> read(p).contains("Subject: to the literal"))),
                "not delivered to postmaster's mailbox " + target + ":\n" + carrier.awaitLog("to="));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
