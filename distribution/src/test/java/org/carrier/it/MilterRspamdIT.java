package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.Rspamd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * rspamd as a mail administrator plugs it in: Debian's rspamd, its proxy worker in milter mode on a loopback port
 * (the fixture's private configuration), and Carrier with the filter-milter jar copied from extras/ to deploy/ and
 * one file, {@code config/org.carrier.filter.milter-rspamd.cfg}, holding {@code address = inet:127.0.0.1:PORT} (the
 * {@code smtpd_milters = inet:127.0.0.1:PORT} of Postfix). Mail for relay.test goes to an SmtpSink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MilterRspamdIT {
    static final String MILTER_CONFIG = "org.carrier.filter.milter-rspamd.cfg";
    private static final Pattern QUEUED_AS = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\S+)");

    private Path dir;
    private Rspamd rspamd;
    private SmtpSink sink;
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-rspamd-");
        rspamd = Rspamd.start(dir.resolve("rspamd"), hyperscanCache());
        sink = new SmtpSink();
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.route-relay.cfg",
                "name = relay\ndomains = relay.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\ntls = none\n");
        carrier.configure(MILTER_CONFIG, "address = " + rspamd.address() + "\n");
        deployMilterJar(carrier);
        carrier.start();
        assertTrue(Distribution.waitFor(60, () -> send(gtube()).startsWith("554")),
                "rspamd is never asked: " + send(gtube()) + "\n" + carrier.console() + "\n" + rspamd.log());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, rspamd, sink);
    }

    /** rspamd's compiled Hyperscan databases, kept for every rspamd of this build (a cold start compiles for ~20 s). */
    static Path hyperscanCache() {
        return Distribution.home().getParent().resolve("rspamd-hyperscan-cache");
    }

    static void deployMilterJar(RunningCarrier carrier) throws IOException {
        String jar = "org.carrier.filter.milter.jar";
        Files.copy(carrier.home.resolve("extras").resolve(jar), carrier.home.resolve("deploy").resolve(jar));
    }

    @Test
    @Order(1)
    void gtubeIsRefusedWithRspamdsOwnReply() throws Exception {
        drain();
        String reply = send(gtube());
        // rspamd's reply for its GTUBE rule, as it sends it to Postfix too (SMFIR_REPLYCODE with code and text)
        assertEquals("554 5.7.1 Gtube pattern", reply, carrier.console());
        assertNull(sink.next(3), "a refused message was relayed");
    }

    @Test
    @Order(2)
    void aCleanMessageIsRelayedWithRspamdsHeaderFields() throws Exception {
        drain();
        String reply = send(SmtpClient.message("clean from rspamd's point of view", 800));
        Matcher queued = QUEUED_AS.matcher(reply);
        assertTrue(queued.find(), reply);
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "not relayed:\n" + carrier.console());
        String header = relayed.content().substring(0, relayed.content().indexOf("\r\n\r\n") + 2);
        assertTrue(header.contains("\r\nX-Spamd-Result: default: False ["), header);
        assertTrue(header.contains("\r\nX-Spam-Status: No, score="), header);
        assertTrue(header.contains("\r\nAuthentication-Results: "), header);
        // rspamd learnt the queue ID from the {i} macro, as from Postfix: its log lines and Carrier's name one message
        assertTrue(header.contains("\r\nX-Rspamd-Queue-Id: " + queued.group(1) + "\r\n"), queued.group(1) + "\n" + header);
        assertTrue(relayed.content().contains("The quick brown fox"), relayed.content());
    }

    /**
     * With rspamd gone, {@code defaultAction} decides: TEMPFAIL (the default) answers 451 and queues nothing, so
     * the client keeps the message and retries; REJECT answers 5xx; ACCEPT lets mail through unscanned. The same
     * message, retried once rspamd is back, is scanned and relayed.
     */
    @Test
    @Order(3)
    void rspamdStoppedTheDefaultActionDecidesAndNothingIsLost() throws Exception {
        drain();
        rspamd.stop();
        String message = SmtpClient.message("sent while rspamd is down", 500);
        String tempfail = send(message);
        assertTrue(tempfail.startsWith("451 4."), "defaultAction TEMPFAIL by default: " + tempfail);
        assertNull(sink.next(3), "a tempfailed message was relayed");
        RunningCarrier.Ran mailq = carrier.bin("mailq", "");
        assertEquals("Mail queue is empty", mailq.out().strip(), "nothing queued half-way: " + mailq);

        carrier.configure(MILTER_CONFIG, "address = " + rspamd.address() + "\ndefaultAction = REJECT\n");
        assertTrue(Distribution.waitFor(30, () -> send(message).startsWith("5")), "REJECT: " + send(message));
        assertNull(sink.next(2), "a rejected message was relayed");

        carrier.configure(MILTER_CONFIG, "address = " + rspamd.address() + "\ndefaultAction = ACCEPT\n");
        assertTrue(Distribution.waitFor(30, () -> send(SmtpClient.message("accepted unscanned", 100)).startsWith("250")),
                "ACCEPT: " + carrier.console());
        SmtpSink.Received unscanned = sink.next(30);
        assertNotNull(unscanned);
        assertFalse(unscanned.content().contains("X-Spamd-Result"), unscanned.content());
        drain();

        // rspamd is back (on another port, as a restarted service may be): the client's retry of the 451 gets through
        rspamd = Rspamd.start(dir.resolve("rspamd-again"), hyperscanCache());
        carrier.configure(MILTER_CONFIG, "address = " + rspamd.address() + "\n");
        assertTrue(Distribution.waitFor(30, () -> send(gtube()).startsWith("554")), "rspamd back: " + send(gtube()));
        drain(); // GTUBE probes let through unscanned while ACCEPT was still in force
        String retried = send(message);
        assertTrue(retried.startsWith("250 "), retried);
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, carrier.console());
        assertTrue(relayed.content().contains("Subject: sent while rspamd is down")
                && relayed.content().contains("X-Spamd-Result"), relayed.content());
    }

    private String send(String message) {
        try {
            return SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("rcpt@relay.test"), message);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String gtube() {
        return "From: sender@client.test\r\nTo: rcpt@relay.test\r\nSubject: gtube\r\n\r\n" + Rspamd.GTUBE + "\r\n";
    }

    /** Forgets what the sink got from earlier steps (probes), so each test reads only its own messages. */
    private void drain() throws InterruptedException {
        while (sink.next(1) != null) {
            // earlier probe
        }
    }
}
