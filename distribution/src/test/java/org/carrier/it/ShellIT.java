package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The running distribution operated from the command line, as an administrator and programs on the host do:
 * bin/sendmail submits mail, bin/mailq and bin/carrier shell show and change the queue, carrier:route explains a route.
 * Mail for closed.test is routed to a port where nothing listens, so it waits in the queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShellIT {
    private static final Pattern QUEUE_ID = Pattern.compile("^([0-9A-Z]{12})!?\\s", Pattern.MULTILINE);

    private NsdServer nsd;
    private RunningCarrier carrier;
    private int closedPort;
    private String waitingId;

    @BeforeAll
    void start() throws Exception {
        // Installed deep enough that the socket's absolute path is over the 106 bytes the JDK allows a Unix socket, wherever
        // the checkout is: the shell must still attach (through the path relative to Carrier's home).
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "shell-" + "deep".repeat(20) + "-");
        carrier = new RunningCarrier(dir);
        closedPort = Distribution.freePort(); // free: nothing listens there, so delivery is deferred
        carrier.configure("org.carrier.route-closed.cfg",
                "name = closed\ndomains = closed.test\ntransport = smtp\nnextHops = 127.0.0.1:" + closedPort + "\ntls = none\n");
        // carrier:route of an mx route shows the MX records and addresses a real DNS server gives
        nsd = NsdServer.start(Map.of("shell.test", """
                pref MX 20 mx2.pref.shell.test.
                pref MX 10 mx1.pref.shell.test.
                mx1.pref A 127.0.0.31
                mx2.pref A 127.0.0.32
                """), 60);
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.route-mx.cfg", "domains = *.shell.test\ntransport = mx\nport = " + closedPort + "\n");
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, nsd);
    }

    @Test
    @Order(1)
    void sendmailDashTTakesToCcAndBccAndDropsBcc() throws Exception {
        String message = "To: Alice <alice@localhost>\nCc: bob@localhost\nBcc: Carol <carol@localhost>\nSubject: from sendmail -t\n"
                + "\nfirst line\n.\nafter the dot: sendmail without -i stops before this\n";
        RunningCarrier.Ran ran = carrier.bin("sendmail", message, "-t", "-f", "app@client.test");
        assertEquals(0, ran.status(), ran.err());
        assertEquals("", ran.err() + ran.out(), "sendmail is silent when all went well");

        for (String user : new String[] {"alice", "bob", "carol"}) {
            String mail = delivered(user, "from sendmail -t");
            assertTrue(mail.startsWith("Return-Path: <app@client.test>\r\n"), mail);
            assertFalse(mail.contains("Bcc:") || mail.contains("carol@localhost>\r\nSubject"), "Bcc is removed:\n" + mail);
            assertTrue(mail.contains("\r\nDate: ") && mail.contains("\r\nMessage-ID: <") && mail.contains("\r\nFrom: app@client.test\r\n"),
                    "Date, Message-ID and From are added:\n" + mail);
            assertTrue(mail.endsWith("\r\n\r\nfirst line\r\n"), "a lone dot ends the message without -i:\n" + mail);
        }
    }

    @Test
    @Order(2)
    void sendmailWithArgumentsAndDashOiKeepsDots() throws Exception {
        String message = "Subject: from sendmail args\n\n.\n..two\nend\n";
        RunningCarrier.Ran ran = carrier.bin("sendmail", message, "-oi", "-f", "app@client.test", "-F", "Build Robot", "dave@localhost");
        assertEquals(0, ran.status(), ran.err());
        String mail = delivered("dave", "from sendmail args");
        assertTrue(mail.contains("\r\nFrom: Build Robot <app@client.test>\r\n"), mail);
        assertTrue(mail.endsWith("\r\n\r\n.\r\n..two\r\nend\r\n"), "with -oi the dots arrive as written:\n" + mail);
    }

    @Test
    @Order(3)
    void sendmailErrorsGoToStderrWithAStatus() throws Exception {
        RunningCarrier.Ran refused = carrier.bin("sendmail", "Subject: x\n\nx\n", "alice@localhost", "someone@nowhere.test");
        assertEquals(67, refused.status(), refused.err());
        assertTrue(refused.err().contains("<someone@nowhere.test>: 550 5.4.4"), refused.err());
        assertTrue(refused.err().contains("message not sent"), refused.err());

        RunningCarrier.Ran none = carrier.bin("sendmail", "Subject: x\n\nx\n");
        assertEquals(64, none.status());
        assertTrue(none.err().startsWith("sendmail: no recipients"), none.err());
    }

    @Test
    @Order(4)
    void waitingMailShowsInMailqAndTheShell() throws Exception {
        RunningCarrier.Ran sent = carrier.bin("sendmail", "Subject: waits\n\nbody\n", "-f", "waiter@client.test", "bob@closed.test");
        assertEquals(0, sent.status(), sent.err());
        assertTrue(Distribution.waitFor(30, () -> run("mailq").out().contains("deferred  bob@closed.test")),
                "not deferred: " + run("mailq") + "\n" + carrier.console());

        RunningCarrier.Ran mailq = carrier.bin("mailq", "");
        RunningCarrier.Ran shell = carrier.bin("carrier", "", "shell", "carrier:queue");
        assertEquals(0, mailq.status(), mailq.err());
        assertEquals(mailq.out(), shell.out(), "bin/mailq shows what carrier:queue shows");
        assertTrue(mailq.out().startsWith("-Queue ID-"), mailq.out());
        Matcher id = QUEUE_ID.matcher(mailq.out());
        assertTrue(id.find(), mailq.out());
        waitingId = id.group(1);
        assertTrue(mailq.out().contains(waitingId + " ") && mailq.out().contains("waiter@client.test"), mailq.out());
        assertTrue(mailq.out().contains("(451 4.4.1"), "the last reply is shown: " + mailq.out());
        assertTrue(mailq.out().contains("127.0.0.1[127.0.0.1]:" + closedPort), mailq.out());

        RunningCarrier.Ran summary = carrier.bin("mailq", "", "--summary");
        assertTrue(summary.out().startsWith("1 message (0 held)\n"), summary.out());
        assertTrue(summary.out().matches("(?s).*\nclosed\\.test +1 +0 +1 +0 +0\n.*"), summary.out());

        RunningCarrier.Ran filtered = carrier.bin("mailq", "", "--domain", "elsewhere.test");
        assertEquals("Mail queue is empty\n", filtered.out());

        Path socket = carrier.home.resolve("data/run/carrier.sock");
        assertTrue(socket.toAbsolutePath().toString().length() > 107, "installed deep, as start() means to: " + socket);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    @Order(5)
    void holdReleaseAndDeleteThroughTheShell() throws Exception {
        RunningCarrier.Ran hold = shell("carrier:hold", waitingId.toLowerCase());
        assertEquals(0, hold.status(), hold.err());
        assertEquals(waitingId + ": held\n", hold.out());
        assertTrue(shell("carrier:show", waitingId).out().contains("Held:     yes"));
        assertTrue(run("mailq", "--held").out().contains(waitingId + "!"));

        RunningCarrier.Ran retry = shell("carrier:retry", waitingId);
        assertEquals(waitingId + ": scheduled for delivery now\n", retry.out(), retry.err());
        assertTrue(shell("carrier:show", waitingId).out().contains("Held:     yes"), "a retried held message stays held");

        RunningCarrier.Ran release = shell("carrier:release", waitingId);
        assertEquals(waitingId + ": released\n", release.out());
        RunningCarrier.Ran shown = shell("carrier:show", waitingId);
        assertTrue(shown.out().contains("Held:     no") && shown.out().contains("<bob@closed.test>"), shown.out());
        assertTrue(shown.out().contains("last reply: 451 4.4.1"), shown.out());

        RunningCarrier.Ran delete = shell("carrier:delete", waitingId, "NOSUCHID0000");
        assertEquals(1, delete.status(), "an unknown ID fails the command");
        assertEquals(waitingId + ": deleted\n", delete.out());
        assertEquals("NOSUCHID0000: no such message in the queue\n", delete.err(), "a message, no stack trace");
        assertEquals("Mail queue is empty\n", run("mailq").out());
        assertFalse(Files.exists(carrier.home.resolve("data/spool/queue/" + waitingId + ".env")));

        RunningCarrier.Ran gone = shell("carrier:show", waitingId);
        assertEquals(1, gone.status());
        assertEquals(waitingId + ": no such message in the queue\n", gone.err());
    }

    @Test
    @Order(6)
    void routeAndFiltersExplainThemselves() throws Exception {
        RunningCarrier.Ran route = shell("carrier:route", "<bob@closed.test>");
        assertEquals(0, route.status(), route.err());
        assertTrue(route.out().contains("route:        closed (transport smtp)"), route.out());
        assertTrue(route.out().contains("next hops:    127.0.0.1:" + closedPort), route.out());

        RunningCarrier.Ran mx = shell("carrier:route", "bob@pref.shell.test");
        assertEquals(0, mx.status(), mx.err());
        assertTrue(mx.out().contains("route:        org.carrier.route~mx (transport mx)"), mx.out());
        assertTrue(mx.out().contains("MX records:   10 mx1.pref.shell.test, 20 mx2.pref.shell.test"), mx.out());
        assertTrue(mx.out().contains("next hops:    mx1.pref.shell.test:" + closedPort + " [127.0.0.31]\n"
                + " ".repeat(16) + "mx2.pref.shell.test:" + closedPort + " [127.0.0.32]"), mx.out());

        assertTrue(shell("carrier:route", "alice@localhost").out().contains("destination:  local"));
        RunningCarrier.Ran refused = shell("carrier:route", "x@nowhere.test");
        assertTrue(refused.out().contains("refused:      550 5.4.4"), refused.out());
        RunningCarrier.Ran bad = shell("carrier:route", "not an address");
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("not a mail address"), bad.err());

        RunningCarrier.Ran filters = shell("carrier:filters");
        // no .cfg for the size filter: its configuration PID, not its component class
        assertTrue(filters.out().contains(" size ") && filters.out().contains("configuration org.carrier.filter.size\n"), filters.out());
    }

    @Test
    @Order(7)
    void anInteractiveSessionReadsCommandsFromStdin() throws Exception {
        RunningCarrier.Ran session = carrier.bin("carrier", "where = closed.test\ncarrier:flush $where\nexit\n", "shell");
        assertEquals(0, session.status(), session.err());
        assertTrue(session.out().contains("0 messages scheduled for delivery now (recipients at closed.test)"), session.out());
    }

    @Test
    @Order(8)
    void withCarrierStoppedSendmailAndTheShellFailClearly() throws Exception {
        carrier.stop();
        RunningCarrier.Ran sendmail = carrier.bin("sendmail", "Subject: x\n\nx\n", "alice@localhost");
        assertEquals(69, sendmail.status());
        assertTrue(sendmail.err().startsWith("sendmail: cannot connect to Carrier at 127.0.0.1:" + carrier.smtpPort), sendmail.err());
        RunningCarrier.Ran mailq = carrier.bin("mailq", "");
        assertEquals(69, mailq.status());
        assertTrue(mailq.err().contains("is Carrier running"), mailq.err());
    }

    private RunningCarrier.Ran shell(String... command) throws IOException, InterruptedException {
        String[] args = new String[command.length + 1];
        args[0] = "shell";
        System.arraycopy(command, 0, args, 1, command.length);
        return carrier.bin("carrier", "", args);
    }

    /** For use in wait conditions. */
    private RunningCarrier.Ran run(String script, String... args) {
        try {
            return carrier.bin(script, "", args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The message with {@code subject} in the user's Maildir, waiting for it at most 30 s. */
    private String delivered(String user, String subject) throws InterruptedException {
        Path maildir = carrier.maildir(user);
        assertTrue(Distribution.waitFor(30, () -> find(maildir, subject) != null), "nothing for " + user + ":\n" + carrier.console());
        return find(maildir, subject);
    }

    private static String find(Path maildir, String subject) {
        for (Path file : Distribution.newMail(maildir)) {
            try {
                String mail = Files.readString(file, StandardCharsets.ISO_8859_1);
                if (mail.contains("\r\nSubject: " + subject + "\r\n")) {
                    return mail;
                }
            } catch (IOException e) {
                // being written: the next poll reads it
            }
        }
        return null;
    }
}
