package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.milter.MilterReply;
import org.carrier.testing.milter.TestMilter;
import org.carrier.testing.milter.TestMilter.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The milter actions no real scanner takes on demand, through the real distribution: a TestMilter answers the end of
 * each message from the test's script, Carrier (filter-milter deployed, {@code org.carrier.filter.milter-actions.cfg})
 * relays relay.test to an SmtpSink, and what the sink receives (or the queue holds) is what the milter decided.
 * Bad input from the milter is logged with the milter's name and gets {@code defaultAction} (TEMPFAIL: 451), and
 * nothing is queued for that message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MilterActionsIT {
    private static final Pattern QUEUED_AS = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\S+)");
    private static final long EOM_TIMEOUT_MILLIS = 2000;

    private TestMilter milter;
    private SmtpSink sink;
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-milter-actions-");
        milter = TestMilter.start();
        sink = new SmtpSink();
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.route-relay.cfg",
                "name = relay\ndomains = relay.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\ntls = none\n");
        carrier.configure("org.carrier.filter.milter-actions.cfg", "address = " + milter.address() + "\n"
                + "endOfMessageTimeoutMillis = " + EOM_TIMEOUT_MILLIS + "\nendOfMessageLimitMillis = 10000\nmaxBodyReplacement = 4096\n");
        MilterRspamdIT.deployMilterJar(carrier);
        carrier.start();
        milter.on(Stage.EOM, MilterReply.replyCode("554 5.7.1 probe refused"));
        assertTrue(Distribution.waitFor(60, () -> send("probe@client.test", List.of("a@relay.test"), "probe").startsWith("554 5.7.1 probe refused")),
                "the milter is never asked:\n" + carrier.console());
        drain();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, milter, sink);
    }

    @BeforeEach
    void freshScript() throws InterruptedException {
        milter.reset();
        drain();
    }

    @Test
    void replacedBodyIsWhatIsRelayed() throws Exception {
        milter.on(Stage.EOM, MilterReply.replaceBody("The milter's own body.\r\n"), MilterReply.accept());
        assertTrue(send("s@client.test", List.of("a@relay.test"), "replace body").startsWith("250 "));
        SmtpSink.Received relayed = next();
        assertTrue(relayed.content().endsWith("\r\n\r\nThe milter's own body.\r\n"), relayed.content());
        assertTrue(relayed.content().contains("Subject: replace body\r\n"), "the header stays: " + relayed.content());
    }

    @Test
    void addedAndDeletedRecipientsAreTheEnvelopeRelayed() throws Exception {
        milter.on(Stage.EOM, MilterReply.addRecipient("<added@relay.test>"), MilterReply.deleteRecipient("<a@relay.test>"),
                MilterReply.accept());
        assertTrue(send("s@client.test", List.of("a@relay.test", "b@relay.test"), "recipients").startsWith("250 "));
        Set<String> relayedTo = new TreeSet<>(next().to());
        for (SmtpSink.Received more; relayedTo.size() < 2 && (more = sink.next(5)) != null; ) {
            relayedTo.addAll(more.to()); // one copy per recipient would do as well
        }
        assertEquals(Set.of("added@relay.test", "b@relay.test"), relayedTo, "the relayed envelope");
    }

    @Test
    void changedSenderIsTheEnvelopeSenderRelayed() throws Exception {
        milter.on(Stage.EOM, MilterReply.changeSender("<bounces@client.test>", null), MilterReply.accept());
        assertTrue(send("s@client.test", List.of("a@relay.test"), "sender").startsWith("250 "));
        assertEquals("bounces@client.test", next().from());
    }

    @Test
    void quarantinedMailIsHeldInTheQueue() throws Exception {
        // SMFIR_QUARANTINE is a modification: the milter's final answer still follows it
        milter.on(Stage.EOM, MilterReply.quarantine("suspicious attachment"), MilterReply.accept());
        String reply = send("s@client.test", List.of("a@relay.test"), "quarantine");
        Matcher queued = QUEUED_AS.matcher(reply);
        assertTrue(queued.find(), reply);
        String id = queued.group(1);
        assertNull(sink.next(3), "quarantined mail was relayed");
        RunningCarrier.Ran held = carrier.bin("mailq", "", "--held");
        assertTrue(held.out().contains(id + "!"), "mailq shows it held: " + held.out());
        assertTrue(carrier.awaitLog("suspicious attachment").contains(id + ": milter actions: "), "the reason is logged with the queue ID");
        assertEquals(0, carrier.bin("carrier", "", "shell", "carrier:delete", id).status());
    }

    @Test
    void progressKeepsASlowMilterWithinItsTimeout() throws Exception {
        long pause = EOM_TIMEOUT_MILLIS * 3 / 4;
        milter.on(Stage.EOM, MilterReply.pause(pause), MilterReply.progress(), MilterReply.pause(pause), MilterReply.progress(),
                MilterReply.pause(pause), MilterReply.addHeader("X-Slow-Milter", "done"), MilterReply.accept());
        long begun = System.nanoTime();
        String reply = send("s@client.test", List.of("a@relay.test"), "progress");
        long tookMillis = (System.nanoTime() - begun) / 1_000_000;
        assertTrue(reply.startsWith("250 "), reply);
        assertTrue(tookMillis >= 3 * pause, "the milter took its time: " + tookMillis + " ms");
        assertTrue(next().content().contains("X-Slow-Milter: done\r\n"));
    }

    @Test
    void aMilterThatNeverAnswersGetsTheDefaultActionAfterItsTimeout() throws Exception {
        milter.on(Stage.EOM, MilterReply.never());
        long failuresBefore = defaultActionLines();
        long begun = System.nanoTime();
        String reply = send("s@client.test", List.of("a@relay.test"), "never answered");
        long tookMillis = (System.nanoTime() - begun) / 1_000_000;
        assertTrue(reply.startsWith("451 4.7.1"), reply);
        assertTrue(tookMillis >= EOM_TIMEOUT_MILLIS && tookMillis < EOM_TIMEOUT_MILLIS + 8000,
                "after endOfMessageTimeoutMillis: " + tookMillis + " ms");
        assertNothingQueued();
        assertLogged(failuresBefore);
    }

    @Test
    void aTruncatedPacketGetsTheDefaultAction() throws Exception {
        badInput("truncated", MilterReply.truncated());
    }

    @Test
    void anUnknownReplyGetsTheDefaultAction() throws Exception {
        badInput("unknown reply", MilterReply.raw('Z', new byte[] {1, 2, 3}));
    }

    @Test
    void aHeaderWithAnInvalidNameGetsTheDefaultAction() throws Exception {
        badInput("invalid header name", MilterReply.addHeader("Bad Name:", "x"), MilterReply.accept());
    }

    @Test
    void aBodyReplacementOverTheLimitGetsTheDefaultAction() throws Exception {
        badInput("body too large", MilterReply.replaceBody("x".repeat(3000) + "\r\n"), MilterReply.replaceBody("y".repeat(3000) + "\r\n"),
                MilterReply.accept());
        assertTrue(carrier.awaitLog("maxBodyReplacement").contains("milter actions: replbody: a new body larger than 4096 bytes"));
    }

    /** bin/sendmail submits over SMTP to the listener, so the milter judges it too (Postfix's non_smtpd_milters). */
    @Test
    void mailSubmittedWithSendmailPassesTheMilter() throws Exception {
        milter.on(Stage.EOM, MilterReply.addHeader("X-Test-Milter", "saw sendmail's message"), MilterReply.accept());
        RunningCarrier.Ran ran = carrier.bin("sendmail", "Subject: from cron\n\nnightly report\n", "-f", "cron@client.test", "ops@relay.test");
        assertEquals(0, ran.status(), ran.err());
        SmtpSink.Received relayed = next();
        assertTrue(relayed.content().contains("X-Test-Milter: saw sendmail's message\r\n"), relayed.content());
        assertEquals("cron@client.test", relayed.from());
        assertTrue(milter.received(Stage.MAIL).stream().anyMatch(c -> c.first().contains("cron@client.test")), "the milter saw its MAIL FROM");
    }

    /** The milter answers the end of the message with {@code replies}: 451 (TEMPFAIL), a log line, nothing queued. */
    private void badInput(String subject, MilterReply... replies) throws Exception {
        milter.on(Stage.EOM, replies);
        long failuresBefore = defaultActionLines();
        String reply = send("s@client.test", List.of("a@relay.test"), subject);
        assertTrue(reply.startsWith("451 4.7.1"), subject + ": " + reply);
        assertNothingQueued();
        assertLogged(failuresBefore);
    }

    /** One more line naming the milter and the default action it took than before this message. */
    private void assertLogged(long before) throws InterruptedException {
        assertTrue(Distribution.waitFor(30, () -> defaultActionLines() == before + 1),
                "one line for this message: " + carrier.awaitLog("milter actions: "));
    }

    private long defaultActionLines() {
        try {
            return carrier.awaitLog("").lines().filter(l -> l.contains(": milter actions: ") && l.endsWith("; defaultAction TEMPFAIL")).count();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void assertNothingQueued() throws Exception {
        assertNull(sink.next(2), "a message the milter failed on was relayed");
        RunningCarrier.Ran mailq = carrier.bin("mailq", "");
        assertEquals("Mail queue is empty", mailq.out().strip(), "nothing queued half-way: " + mailq);
    }

    private SmtpSink.Received next() throws InterruptedException {
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "not relayed:\n" + carrier.console());
        return relayed;
    }

    private String send(String from, List<String> to, String subject) {
        try {
            return SmtpClient.send(carrier.smtpPort, from, to, SmtpClient.message(subject, 300));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void drain() throws InterruptedException {
        while (sink.next(1) != null) {
            // a probe's copy
        }
    }
}
