package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code carrier:drain} on a started Carrier, as an administrator takes a node out of service: a session open
 * before the drain finishes its message, a new connection gets 421 4.3.2, mail already queued still leaves (to a
 * real SMTP sink), {@code --wait} returns once the queue is empty, and {@code carrier:undrain} takes mail again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainIT {
    private RunningCarrier carrier;
    private SmtpSink sink;

    @BeforeAll
    void start() throws Exception {
        sink = new SmtpSink(InetAddress.getByName("127.0.0.14"), 0);
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-drain-"));
        // Mail for later.test waits in the queue until the route is changed to the sink.
        carrier.configure("org.carrier.route-later.cfg", "domains = later.test\ntransport = hold\n");
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink);
    }

    @Test
    void aDrainedNodeRefusesNewSessionsDeliversItsQueueAndTakesMailAgainWhenUndrained() throws Exception {
        assertTrue(Distribution.waitFor(30, () -> send("kept@later.test").startsWith("250 ")), carrier.console());
        try (SmtpClient open = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            assertTrue(open.reply().startsWith("220 "));
            assertTrue(open.command("EHLO client.test").startsWith("250"));

            String drained = carrier.shell("carrier:drain");
            assertTrue(drained.contains("draining: new SMTP sessions get 421 4.3.2; 1 session open; 1 message in the queue"),
                    drained);

            try (SmtpClient late = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
                String greeting = late.reply();
                assertTrue(greeting.startsWith("421 4.3.2 ") && greeting.contains("draining"), greeting);
            }
            // The session begun before the drain finishes its transaction as usual.
            assertTrue(open.command("MAIL FROM:<a@client.test>").startsWith("250"));
            assertTrue(open.command("RCPT TO:<postmaster@localhost>").startsWith("250"));
            assertTrue(open.data(SmtpClient.message("begun before the drain", 100)).startsWith("250 "));
            open.command("QUIT");
        }

        // The queue keeps delivering while drained: the held mail leaves once its route names the sink.
        carrier.configure("org.carrier.route-later.cfg", "domains = later.test\ntransport = smtp\nnextHops = 127.0.0.14:"
                + sink.port() + "\n");
        assertTrue(Distribution.waitFor(20, () -> carrier.shell("carrier:route", "kept@later.test").contains("127.0.0.14")),
                "the changed route was not picked up:\n" + carrier.console());
        carrier.shell("carrier:flush");
        String waited = carrier.shell("carrier:drain", "--wait", "40");
        assertTrue(waited.contains("already draining") && waited.contains("the queue is empty (after "), waited);
        SmtpSink.Received delivered = sink.next(5);
        assertNotNull(delivered, "the queued mail did not leave the drained node:\n" + carrier.console());
        assertEquals(List.of("kept@later.test"), delivered.to());

        // 0 left: the message of the session open at the drain was delivered (locally) too.
        String undrained = carrier.shell("carrier:undrain");
        assertTrue(undrained.contains("draining ended: new SMTP sessions are accepted; 0 messages in the queue"), undrained);
        assertTrue(send("postmaster@localhost").startsWith("250 "), "undrained: a new session is accepted again");
        assertTrue(carrier.awaitLog("SMTP intake: draining ended").contains("SMTP intake: draining;"), "the drain is logged");
    }

    private String send(String rcpt) {
        try {
            return SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of(rcpt), SmtpClient.message("drain", 200));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
