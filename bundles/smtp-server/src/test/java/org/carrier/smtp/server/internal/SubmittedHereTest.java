package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.message.HeaderField;
import org.carrier.api.outbound.Submission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether this site is the author's agent, decided at intake and kept with the queued message (the
 * {@link Submission} mark the outbound stage signs by), and the Date and Message-ID a submitted message lacks.
 */
class SubmittedHereTest {
    private static final String MESSAGE = "From: alice@client.test\r\nSubject: s\r\n\r\nhi\r\n.\r\n";

    @TempDir
    Path dir;

    private static MemoryQueue.Committed send(ProtocolDriver d, String message) {
        assertTrue(d.send("MAIL FROM:<alice@client.test>").startsWith("250"));
        assertTrue(d.send("RCPT TO:<carol@relay.test>").startsWith("250"), "relaying is permitted");
        assertTrue(d.send("DATA").startsWith("354"));
        assertTrue(d.content(message).startsWith("250 2.0.0 Ok: queued as"));
        return d.queue.committed.get(d.queue.committed.size() - 1);
    }

    private static List<String> names(MemoryQueue.Committed c) {
        return c.headers().stream().map(HeaderField::name).toList();
    }

    @Test
    void aTrustedClientsMailIsMarkedAndGetsDateAndMessageId() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("trustedNetworks", "192.0.2.0/24"), "192.0.2.7");
        d.send("EHLO client.test");
        MemoryQueue.Committed queued = send(d, MESSAGE);
        assertTrue(Submission.isHere(queued.envelope()), queued.envelope().toString());
        assertTrue(names(queued).containsAll(List.of("Date", "Message-ID")), names(queued).toString());
        String id = queued.headers().stream().filter(h -> h.name().equals("Message-ID")).findFirst().orElseThrow().value();
        assertEquals("<" + queued.id() + "@" + TestSettings.HOSTNAME + ">", id);

        MemoryQueue.Committed complete = send(d, "Date: Mon, 7 Dec 2026 08:00:00 +0000\r\nmessage-id: <x@client.test>\r\n" + MESSAGE);
        assertFalse(names(complete).contains("Date") || names(complete).contains("Message-ID"),
                "a message that has them keeps its own: " + names(complete));
    }

    /** An Internet client's mail is not ours, whatever its From: no mark, and passed on as it came (no Date added). */
    @Test
    void mailFromElsewhereIsNotMarkedAndNotCompleted() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("trustedNetworks", "10.0.0.0/8"), "192.0.2.7");
        d.send("EHLO client.test");
        assertTrue(d.send("MAIL FROM:<alice@client.test>").startsWith("250"));
        assertTrue(d.send("RCPT TO:<postmaster@localhost>").startsWith("250"), "mail for a domain of ours");
        assertTrue(d.send("DATA").startsWith("354"));
        assertTrue(d.content(MESSAGE).startsWith("250 2.0.0 Ok: queued as"));
        MemoryQueue.Committed queued = d.queue.committed.get(0);
        assertFalse(Submission.isHere(queued.envelope()), queued.envelope().toString());
        assertFalse(names(queued).contains("Date") || names(queued).contains("Message-ID"), names(queued).toString());
    }

    /** No client can set the mark itself: the parameter is refused as any unknown one (RFC 5321 §4.1.1.11). */
    @Test
    void aClientCannotGiveTheMark() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("trustedNetworks", "192.0.2.0/24"), "192.0.2.7");
        d.send("EHLO client.test");
        assertTrue(d.send("MAIL FROM:<alice@client.test> " + Submission.MAIL_PARAMETER).startsWith("555"));
        assertTrue(d.send("MAIL FROM:<alice@client.test> " + Submission.MAIL_PARAMETER + "=1").startsWith("555"));
    }

    @Test
    void anAuthenticatedUsersOwnMailIsMarkedAndMailInSomeoneElsesNameIsNot() throws Exception {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, "alice@client.test = " + PasswordHash.bcrypt("pw".getBytes(StandardCharsets.UTF_8), 4) + "\n");
        Path senders = dir.resolve("sender-logins.properties");
        Files.writeString(senders, "bob = bob@client.test\n");
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("role", "submission", "usersFile", users.toString(),
                "requireTlsForAuth", false, "trustedNetworks", "10.0.0.0/8", "senderLoginsFile", senders.toString(),
                "senderLoginCheck", false), "192.0.2.7", new TestServices());
        d.send("EHLO client.test");
        String plain = Base64.getEncoder().encodeToString("\0alice@client.test\0pw".getBytes(StandardCharsets.US_ASCII));
        assertTrue(d.send("AUTH PLAIN " + plain).startsWith("235"));
        assertTrue(Submission.isHere(send(d, MESSAGE).envelope()), "her own From");
        MemoryQueue.Committed foreign = send(d, MESSAGE.replace("From: alice@", "From: bob@"));
        assertFalse(Submission.isHere(foreign.envelope()), "bob's From: accepted (check off), but not vouched for");
        assertFalse(names(foreign).contains("Date"), names(foreign).toString());
    }
}
