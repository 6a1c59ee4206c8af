package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.outcomes;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LMTP (RFC 2033) against a real Dovecot, and the per-recipient replies against a scripted peer. */
class LmtpDeliveryTest {
    private static final String MESSAGE = "From: s@c.test\r\nSubject: over lmtp\r\nMessage-ID: <lmtp-1@c.test>\r\n\r\nhello dovecot\r\n.dot line\r\n";

    @TempDir
    static Path folder;
    private static Dovecot dovecot;

    private final Watchdog watchdog = new Watchdog();
    private final ClientDelivery lmtp = Fixtures.client(Protocol.LMTP, Fixtures.settings(Fixtures.reuse(100, 10_000)), null, watchdog);

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = Dovecot.start(folder, "alice", "bob", "carol", "dave");
        // carol's mailbox cannot be written: Dovecot accepts her at RCPT and fails her after the data.
        Path carol = Files.createDirectories(dovecot.mailbox("carol"));
        Files.setPosixFilePermissions(carol, PosixFilePermissions.fromString("---------"));
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        dovecot.close();
    }

    @AfterEach
    void stop() {
        lmtp.close();
        watchdog.close();
    }

    @Test
    void dovecotStoresTheMessageAndAnswersPerRecipient() throws Exception {
        NextHop hop = new NextHop("127.0.0.1", dovecot.port());
        List<RecipientOutcome> out = lmtp.deliver(request(MESSAGE, List.of(hop), "alice@mail.test", "nobody@mail.test", "carol@mail.test"));

        assertEquals(List.of(Outcome.DELIVERED, Outcome.FAILED, Outcome.DEFERRED), outcomes(out), out + "\n" + dovecot.log());
        assertEquals("5.1.1", out.get(1).reply().enhancedStatus());
        assertEquals(451, out.get(2).reply().code(), "carol's own reply after the data");
        List<Path> inbox = dovecot.inbox("alice");
        assertEquals(1, inbox.size());
        String stored = Files.readString(inbox.get(0));
        assertTrue(stored.contains("Subject: over lmtp\r\n") || stored.contains("Subject: over lmtp\n"), stored);
        assertTrue(stored.contains("hello dovecot") && stored.contains("\n.dot line"), "dot-stuffing undone by the server: " + stored);
        assertTrue(stored.startsWith("Return-Path: <s@c.test>"), stored);
    }

    /** Issue 22 item 5: Dovecot's 250 after the data is final delivery, so the queue owes a "delivered" DSN. */
    @Test
    void aRecipientDovecotStoredIsMarkedAsDeliveredIntoItsMailbox() throws Exception {
        NextHop hop = new NextHop("127.0.0.1", dovecot.port());
        List<Recipient> recipients = List.of(new Recipient(MailAddress.parse("alice@mail.test"), Map.of("NOTIFY", "SUCCESS")),
                new Recipient(MailAddress.parse("nobody@mail.test"), Map.of("NOTIFY", "SUCCESS,FAILURE")));
        List<RecipientOutcome> out = lmtp.deliver(request(MESSAGE, List.of(hop), TransportOptions.DEFAULT, Map.of(), recipients));
        assertEquals(List.of(Outcome.DELIVERED, Outcome.FAILED), outcomes(out), out + "\n" + dovecot.log());
        assertTrue(out.get(0).finalDelivery(), "an LMTP 250 is delivery into the mailbox (RFC 2033 §4.2)");
        assertFalse(out.get(0).relayed(), "not passed on to another MTA");
        assertFalse(out.get(1).finalDelivery());
    }

    @Test
    void dovecotOverDataInsteadOfChunking() throws Exception {
        // Dovecot offers CHUNKING, so the other tests send BDAT; this one the classic DATA with dot-stuffing.
        NextHop hop = new NextHop("127.0.0.1", dovecot.port());
        try (ClientDelivery classic = Fixtures.client(Protocol.LMTP, Fixtures.withoutChunking(Fixtures.reuse(1, 10_000)), null, watchdog)) {
            List<RecipientOutcome> out = classic.deliver(request(MESSAGE, List.of(hop), "dave@mail.test", "carol@mail.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.DEFERRED), outcomes(out), out + "\n" + dovecot.log());
        }
        String stored = Files.readString(dovecot.inbox("dave").get(0));
        assertTrue(stored.contains("hello dovecot") && stored.contains("\n.dot line"), "dot-stuffing undone by the server: " + stored);
    }

    @Test
    void dovecotOverItsUnixSocket() throws Exception {
        NextHop socket = new NextHop(dovecot.socket().toString(), 24);
        RecipientOutcome out = lmtp.deliver(request(MESSAGE, List.of(socket), "bob@mail.test")).get(0);
        assertEquals(Outcome.DELIVERED, out.outcome(), out + "\n" + dovecot.log());
        assertEquals("unix:" + dovecot.socket(), out.remote());
        assertEquals(1, dovecot.inbox("bob").size());
    }

    @Test
    void twoMessagesOverOneLmtpConnection() throws Exception {
        NextHop hop = new NextHop("127.0.0.1", dovecot.port());
        int before = dovecot.inbox("alice").size();
        int connectsBefore = connects();
        for (int i = 0; i < 2; i++) {
            assertEquals(Outcome.DELIVERED, lmtp.deliver(request(MESSAGE, List.of(hop), "alice@mail.test")).get(0).outcome());
        }
        assertEquals(before + 2, dovecot.inbox("alice").size());
        for (int i = 0; i < 20 && connects() == connectsBefore; i++) {
            Thread.sleep(100); // Dovecot's log process writes a moment later
        }
        assertEquals(1, connects() - connectsBefore, "one connection for both messages:\n" + dovecot.log());
    }

    private static int connects() throws java.io.IOException {
        return dovecot.log().split("Connect from 127.0.0.1", -1).length - 1;
    }

    @Test
    void eachAcceptedRecipientGetsItsOwnReplyAfterTheData() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 lmtp.test LMTP",
                ScriptedServer.ehloThen(cmd -> cmd.equals("DATA") ? "354 go" : cmd.contains("<gone@") ? "550 5.1.1 unknown" : "250 ok",
                        "PIPELINING", "ENHANCEDSTATUSCODES"), null)
                .afterData(accepted -> "250 2.0.0 a saved\n452 4.2.2 b over quota\n552 5.2.2 c over quota")) {
            List<RecipientOutcome> out = lmtp.deliver(request(MESSAGE, peer.port(), "a@m.test", "gone@m.test", "b@m.test", "c@m.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.FAILED, Outcome.DEFERRED, Outcome.FAILED), outcomes(out));
            assertEquals("b over quota", out.get(2).reply().text());
            assertEquals("LHLO carrier.test", peer.commands.get(0));
        }
    }
}
