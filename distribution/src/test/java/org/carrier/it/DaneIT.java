package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.carrier.testing.SignedZones;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shipped default end to end: an {@code mx} route without a {@code tls} line applies DANE (RFC 7672). The real
 * distribution validates a zone signed at test time and served by nsd (its DS as the trust anchor), finds the MX
 * hosts' TLSA records, and delivers to the receiver whose key matches, over verified TLS, while the message for the
 * receiver whose TLSA record does not match stays deferred and is never sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaneIT {
    private SignedZones zones;
    private RunningCarrier carrier;
    private SmtpSink good;
    private SmtpSink bad;
    private int port;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-dane-");
        TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
        TestCa.Issued mx = ca.issue("mx.dane.test");
        TestCa.Issued other = ca.issue("mx.bad.dane.test");
        sinks(mx, other);
        String spki = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(mx.certificate().getPublicKey().getEncoded()));
        zones = SignedZones.anchor("test", "").signed("dane.test", """
                @ MX 10 mx.dane.test.
                mx A 127.0.0.61
                _%1$d._tcp.mx TLSA 3 1 1 %2$s
                bad MX 10 mx.bad.dane.test.
                mx.bad A 127.0.0.62
                _%1$d._tcp.mx.bad TLSA 3 1 1 %3$s
                """.formatted(port, spki, "00".repeat(32))).start();
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.dns.cfg", "servers = " + zones.server() + "\ntrustAnchorFile = "
                + zones.trustAnchorFile() + "\ntimeoutMillis = 2000\nretries = 1\n");
        // no tls line: the mx route's default, dane
        carrier.configure("org.carrier.route-dane.cfg", "domains = dane.test, bad.dane.test\ntransport = mx\nport = " + port + "\n");
        carrier.configure("org.carrier.queue.cfg", "retryDelays = 2s\nmaxLifetime = 1h\n");
        carrier.start();
    }

    /** Both receivers on one free port (as MX hosts all listen on 25), each on its own address. */
    private void sinks(TestCa.Issued mx, TestCa.Issued other) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            port = Distribution.freePort();
            try {
                good = new SmtpSink(InetAddress.getByName("127.0.0.61"), port).withStartTls(mx.context());
                bad = new SmtpSink(InetAddress.getByName("127.0.0.62"), port).withStartTls(other.context());
                return;
            } catch (BindException taken) {
                Distribution.closeAll(good, bad);
            }
        }
        throw new BindException("no port free on both addresses");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, good, bad, zones);
    }

    @Test
    void aMatchingTlsaRecordDeliversOverVerifiedTls() throws Exception {
        assertTrue(SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("bob@dane.test"),
                SmtpClient.message("dane", 100)).startsWith("250"));
        SmtpSink.Received mail = good.next(60);
        assertNotNull(mail, "nothing delivered:\n" + carrier.console());
        assertEquals(List.of("bob@dane.test"), mail.to());
        assertEquals(1, good.tlsSessions());
        String log = carrier.awaitLog("(DANE-EE 3 1 1)");
        assertTrue(log.contains("Verified TLS connection established to mx.dane.test[127.0.0.61]:" + port + ": TLSv1.3 with cipher "),
                "no Verified line:\n" + log);
    }

    @Test
    void aMismatchIsDeferredAndNothingIsSent() throws Exception {
        assertTrue(SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("eve@bad.dane.test"),
                SmtpClient.message("dane", 100)).startsWith("250"));
        String log = carrier.awaitLog("did not match");
        assertTrue(log.contains("4.7.5 TLS handshake failed (dane): dane: TLSA 3 1 1 " + "00".repeat(32) + " did not match"),
                "no deferral naming the record:\n" + log);
        assertNull(bad.next(3), "a message went to the host whose TLSA record does not match");
    }
}
