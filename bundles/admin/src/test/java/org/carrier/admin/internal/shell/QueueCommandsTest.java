package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.junit.jupiter.api.Test;

class QueueCommandsTest {
    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    static QueuedMessage deferred(String id, String sender, String recipient, Instant arrival) {
        RecipientStatus status = new RecipientStatus(Recipient.of(MailAddress.parse(recipient)), DeliveryState.DEFERRED, 2,
                arrival.plusSeconds(3600), new SmtpReply(451, "4.4.1", "cannot connect: Connection refused"), "mx.example.com[192.0.2.1]:25");
        Envelope envelope = new Envelope(sender.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(sender), Map.of(),
                List.of(status.recipient()));
        return new QueuedMessage(id, arrival, envelope, 2048, false, List.of(status));
    }

    private final FakeQueue queue = new FakeQueue(NOW,
            deferred("AAAAAAAAAAA1", "alice@example.org", "bob@example.com", NOW.minusSeconds(7200)),
            deferred("AAAAAAAAAAA2", "", "carol@example.net", NOW.minusSeconds(60)));
    private final QueueCommands commands = new QueueCommands(queue, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void listsLikeMailqAndFilters() {
        String all = commands.queue();
        assertTrue(all.contains("AAAAAAAAAAA1"), all);
        assertTrue(all.contains("MAILER-DAEMON"), all);
        assertTrue(all.endsWith("-- 4 Kbytes in 2 Requests."), all);

        String old = commands.queue("--older", "1h");
        assertTrue(old.contains("AAAAAAAAAAA1") && !old.contains("AAAAAAAAAAA2"), old);
        String byDomain = commands.queue("--domain", "EXAMPLE.NET");
        assertTrue(byDomain.contains("AAAAAAAAAAA2") && !byDomain.contains("AAAAAAAAAAA1"), byDomain);
        assertEquals("Mail queue is empty", commands.queue("--state", "failed"));
        assertEquals("Mail queue is empty", commands.queue("--held"));
    }

    @Test
    void aSummaryCountsByStateAndDomain() {
        assertEquals("""
                2 messages (0 held)
                messages with a recipient pending 0, deferred 2, delivered 0, failed 0
                recipients pending 0, deferred 2, delivered 0, failed 0

                -Domain-                         messages  pending  deferred delivered   failed
                example.com                             1        0         1         0        0
                example.net                             1        0         1         0        0""", commands.queue("--summary"));
        assertTrue(commands.queue("--summary", "--domain", "example.net").startsWith("1 message (0 held)"));
    }

    @Test
    void badOptionsAreExplained() {
        CommandFailure unknown = assertThrows(CommandFailure.class, () -> commands.queue("--colour"));
        assertTrue(unknown.getMessage().startsWith("unknown option --colour\nusage: carrier:queue"), unknown.getMessage());
        assertEquals("no such state: sleeping (pending, deferred, delivered or failed)",
                assertThrows(CommandFailure.class, () -> commands.queue("--state", "sleeping")).getMessage());
        assertTrue(assertThrows(CommandFailure.class, () -> commands.queue("--sender")).getMessage().startsWith("--sender needs a value"));
    }

    @Test
    void holdReleaseDeleteTakeSeveralIdsInAnyCase() {
        assertEquals("AAAAAAAAAAA1: held\nAAAAAAAAAAA2: held", commands.hold("aaaaaaaaaaa1", "AAAAAAAAAAA2"));
        assertTrue(queue.messages.get("AAAAAAAAAAA1").held());
        assertTrue(commands.queue("--held").contains("AAAAAAAAAAA1!"));
        assertEquals("AAAAAAAAAAA1: released", commands.release("AAAAAAAAAAA1"));
        assertFalse(queue.messages.get("AAAAAAAAAAA1").held());
        assertEquals("AAAAAAAAAAA2: deleted", commands.delete("AAAAAAAAAAA2"));
        assertFalse(queue.messages.containsKey("AAAAAAAAAAA2"));
    }

    @Test
    void unknownIdsFailWithAMessageAfterTheKnownOnesAreDone() {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        CommandFailure failure;
        try {
            failure = assertThrows(CommandFailure.class, () -> commands.delete("NOSUCHID0000", "AAAAAAAAAAA1"));
        } finally {
            System.setOut(original);
        }
        assertEquals("NOSUCHID0000: no such message in the queue", failure.getMessage());
        assertEquals("AAAAAAAAAAA1: deleted", printed.toString(StandardCharsets.UTF_8).strip());
        assertFalse(queue.messages.containsKey("AAAAAAAAAAA1"));

        assertEquals("NOPE: no such message in the queue", assertThrows(CommandFailure.class, () -> commands.show("nope")).getMessage());
        assertThrows(CommandFailure.class, commands::hold);
    }

    @Test
    void showGivesEnvelopeAndRecipientState() {
        String shown = commands.show("AAAAAAAAAAA1");
        assertTrue(shown.contains("Arrival:  2026-11-24"), shown);
        assertTrue(shown.contains("(2h 0m ago)"), shown);
        assertTrue(shown.endsWith("Header:\n  Received: from client.test\n  \tby localhost\n  Subject: hello AAAAAAAAAAA1"), shown);
        assertTrue(shown.contains("Sender:   <alice@example.org>"), shown);
        assertTrue(shown.contains("<bob@example.com>\n      state deferred, 2 attempts, next "), shown);
        assertTrue(shown.contains("last reply: 451 4.4.1 cannot connect: Connection refused, from mx.example.com[192.0.2.1]:25"), shown);
    }

    @Test
    void retryOneMessage() {
        assertEquals("AAAAAAAAAAA2: scheduled for delivery now", commands.retry("AAAAAAAAAAA2"));
        assertEquals("NOSUCHID0000: no such message in the queue",
                assertThrows(CommandFailure.class, () -> commands.retry("NOSUCHID0000")).getMessage());
    }

    @Test
    void flushAllOrOneDomain() {
        assertEquals("2 messages scheduled for delivery now", commands.flush());
        assertEquals("1 message scheduled for delivery now (recipients at example.com)", commands.flush("Example.COM"));
        assertEquals(List.of("*", "example.com"), queue.retried);
    }

    @Test
    void withoutTheQueueServiceTheCommandsSaySo() {
        QueueCommands alone = new QueueCommands(null, Clock.fixed(NOW, ZoneOffset.UTC));
        assertEquals("the queue is not running (bundle org.carrier.queue)",
                assertThrows(CommandFailure.class, alone::queue).getMessage());
    }
}
