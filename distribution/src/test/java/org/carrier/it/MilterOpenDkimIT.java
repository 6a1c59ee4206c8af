package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.carrier.testing.Dkimpy;
import org.carrier.testing.OpenDkim;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OpenDKIM as a signing milter, the way Postfix sites run it ({@code smtpd_milters = inet:127.0.0.1:PORT}):
 * Debian's opendkim in {@code Mode s} for client.test with a key made at test time, Carrier with filter-milter
 * deployed and {@code config/org.carrier.filter.milter-opendkim.cfg}. The copy the sink receives carries OpenDKIM's
 * signature, and dkimpy, an independent verifier given OpenDKIM's key record, says it verifies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MilterOpenDkimIT {
    private Path dir;
    private OpenDkim opendkim;
    private SmtpSink sink;
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-opendkim-");
        opendkim = OpenDkim.start(dir.resolve("opendkim"), "client.test", "e2e");
        sink = new SmtpSink();
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.route-relay.cfg",
                "name = relay\ndomains = relay.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\ntls = none\n");
        carrier.configure("org.carrier.filter.milter-opendkim.cfg", "address = " + opendkim.address() + "\n");
        MilterRspamdIT.deployMilterJar(carrier);
        carrier.start();
        assertTrue(Distribution.waitFor(60, () -> signed(probe())), "OpenDKIM never signs:\n" + carrier.console()
                + "\n" + opendkim.log());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, opendkim, sink);
    }

    @Test
    void openDkimSignsRelayedMailAndDkimpyVerifiesTheCopyTheSinkGot() throws Exception {
        String reply = send("sender@client.test", SmtpClient.message("signed by OpenDKIM", 2000));
        assertTrue(reply.startsWith("250 "), reply);
        SmtpSink.Received relayed = nextWithSubject("signed by OpenDKIM");
        assertNotNull(relayed, carrier.console());
        assertTrue(relayed.content().startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=client.test; s=e2e;")
                || relayed.content().contains("\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=client.test; s=e2e;"),
                relayed.content());
        byte[] copy = relayed.content().getBytes(StandardCharsets.UTF_8);
        assertEquals("pass", Dkimpy.verify(dir, copy, opendkim.keyRecords()), relayed.content());
        // the verifier is not one that says pass to anything: one changed body line and the signature breaks
        byte[] altered = relayed.content().replaceFirst("quick brown fox", "quick brown cat").getBytes(StandardCharsets.UTF_8);
        assertEquals("fail", Dkimpy.verify(dir, altered, opendkim.keyRecords()));
    }

    @Test
    void mailFromAnotherDomainIsNotSigned() throws Exception {
        String message = SmtpClient.message("not ours to sign", 200).replace("From: sender@client.test", "From: someone@other.test");
        assertTrue(send("someone@other.test", message).startsWith("250 "));
        SmtpSink.Received relayed = nextWithSubject("not ours to sign");
        assertNotNull(relayed, carrier.console());
        assertFalse(relayed.content().contains("DKIM-Signature:"), relayed.content());
    }

    private boolean signed(String reply) {
        try {
            SmtpSink.Received relayed = reply.startsWith("250") ? sink.next(10) : null;
            return relayed != null && relayed.content().contains("DKIM-Signature:");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String probe() {
        return send("sender@client.test", SmtpClient.message("probe", 100));
    }

    private SmtpSink.Received nextWithSubject(String subject) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            SmtpSink.Received next = sink.next(30);
            if (next == null || next.content().contains("Subject: " + subject + "\r\n")) {
                return next;
            }
        }
        return null;
    }

    private String send(String from, String message) {
        try {
            return SmtpClient.send(carrier.smtpPort, from, List.of("rcpt@relay.test"), message);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
