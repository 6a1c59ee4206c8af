package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sender-login rules against the started distribution (issue 22 item 4): alice, logged in on a submission listener
 * inside TLS (swaks), may send as alice@signer.test, and that mail is DKIM-signed d=signer.test; as ceo@signer.test she
 * is refused, in MAIL FROM or in the From field; on a listener with {@code senderLoginCheck = false} the same message
 * is accepted but not signed. Relayed mail goes to a real SMTP sink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SenderLoginIT {
    private static final String PASSWORD = "alice-s3cret";

    private RunningCarrier carrier;
    private SmtpSink sink;
    private int submission;
    private int lax;

    @BeforeAll
    void start() throws Exception {
        sink = new SmtpSink();
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "sender-");
        carrier = new RunningCarrier(dir);
        submission = Distribution.freePort();
        lax = Distribution.freePort();
        carrier.configure("org.carrier.route-sink.cfg", "domains = dest.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\n");
        RunningCarrier.Ran passwd = carrier.bin("carrier-passwd", PASSWORD + "\n", "--cost", "4", "alice");
        assertEquals(0, passwd.status(), passwd.err());
        carrier.configure("smtp-users.properties", passwd.out());
        carrier.configure("sender-logins.properties", "alice = alice@signer.test\n");
        carrier.configure("org.carrier.smtp.listener-submission.cfg", listener("submission", submission) + "role = submission\n");
        carrier.configure("org.carrier.smtp.listener-lax.cfg", listener("lax", lax) + "role = submission\nsenderLoginCheck = false\n");
        Files.createDirectories(carrier.home.resolve("config/dkim"));
        writeKey(carrier.home.resolve("config/dkim/signer.test.pem"));
        carrier.configure("org.carrier.filter.dkim.cfg", "signingKeys = signer.test:sel:dkim/signer.test.pem\n");
        Files.copy(carrier.home.resolve("extras/org.carrier.filter.dkim.jar"), carrier.home.resolve("deploy/org.carrier.filter.dkim.jar"));
        carrier.start();
        // The listeners' certificate is made in the background at first start; then the dkim bundle must be active.
        assertTrue(Distribution.waitFor(60, () -> swaksQuietly(submission, "alice@signer.test", null).contains("250 2.0.0 Ok: queued")),
                "alice's own mail was never accepted:\n" + carrier.console());
        SmtpSink.Received first = sink.next(30);
        assertNotNull(first, "the sink got nothing:\n" + carrier.console());
        for (int i = 0; i < 60 && !first.content().contains("DKIM-Signature:"); i++) {
            assertTrue(swaks(submission, "alice@signer.test", null).contains("250 2.0.0 Ok: queued"));
            first = sink.next(30);
            assertNotNull(first, "the sink got nothing:\n" + carrier.console());
        }
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink);
    }

    private static String listener(String name, int port) {
        return "name = " + name + "\nbindAddress = 127.0.0.1\nport = " + port + "\ntrustedNetworks = 10.255.255.0/24\n";
    }

    @Test
    @Order(1)
    void aUserSendingAsItsOwnAddressIsAcceptedAndSigned() throws Exception {
        String out = swaks(submission, "alice@signer.test", "Alice <alice@signer.test>");
        assertTrue(out.contains("235 2.7.0") && out.contains("250 2.0.0 Ok: queued as"), out);
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "not relayed:\n" + carrier.console());
        assertEquals("alice@signer.test", relayed.from());
        String signature = field(relayed.content(), "DKIM-Signature");
        assertNotNull(signature, relayed.content());
        assertTrue(signature.contains("d=signer.test;") && signature.contains("s=sel;"), signature);
    }

    @Test
    @Order(2)
    void aForeignEnvelopeSenderGets553AtMail() throws Exception {
        String out = swaks(submission, "ceo@signer.test", null);
        assertTrue(out.contains("235 2.7.0"), out);
        assertTrue(out.contains("553 5.7.1 <ceo@signer.test>: sender not owned by user"), out);
        String log = carrier.awaitLog("from=<ceo@signer.test> user=alice");
        assertTrue(log.lines().anyMatch(l -> l.contains("INFO") && l.contains("reject: MAIL from [127.0.0.1]")
                && l.contains("from=<ceo@signer.test> user=alice")), "one INFO line with user, address and client");
        assertNull(sink.next(2), "nothing relayed");
    }

    @Test
    @Order(3)
    void aForeignFromFieldGets553AtTheEndOfData() throws Exception {
        String out = swaks(submission, "alice@signer.test", "CEO <ceo@signer.test>");
        assertTrue(out.contains("250 2.1.0") && out.contains("354 "), out);
        assertTrue(out.contains("553 5.7.1 <ceo@signer.test>: sender not owned by user"), out);
        assertFalse(out.contains("queued as"), out);
        assertTrue(carrier.awaitLog("author=<ceo@signer.test> user=alice").contains("reject: DATA from [127.0.0.1]"));
        assertNull(sink.next(2), "nothing relayed");
    }

    @Test
    @Order(4)
    void withTheCheckOffTheMismatchIsAcceptedButNotSigned() throws Exception {
        String out = swaks(lax, "ceo@signer.test", "CEO <ceo@signer.test>");
        assertTrue(out.contains("250 2.0.0 Ok: queued as"), out);
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "not relayed:\n" + carrier.console());
        assertEquals("ceo@signer.test", relayed.from());
        assertNull(field(relayed.content(), "DKIM-Signature"), "signed in the name of a From alice does not own:\n" + relayed.content());

        // The same listener signs alice's own mail: the filter is there, it only refused to vouch for ceo.
        assertTrue(swaks(lax, "alice@signer.test", "alice@signer.test").contains("250 2.0.0 Ok: queued as"));
        SmtpSink.Received own = sink.next(30);
        assertNotNull(own);
        assertTrue(String.valueOf(field(own.content(), "DKIM-Signature")).contains("d=signer.test;"), own.content());
    }

    /** swaks logged in as alice inside STARTTLS, to bob@dest.test, with that From field (or swaks' own, the sender). */
    private String swaks(int port, String sender, String from) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port), "--tls",
                "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", PASSWORD, "--from", sender, "--to", "bob@dest.test",
                "--timeout", "30"));
        if (from != null) {
            command.addAll(List.of("--header", "From: " + from));
        }
        Process swaks = new ProcessBuilder(command).redirectErrorStream(true).start();
        swaks.getOutputStream().close();
        String out = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!swaks.waitFor(60, TimeUnit.SECONDS)) {
            swaks.destroyForcibly();
        }
        return out;
    }

    private String swaksQuietly(int port, String sender, String from) {
        try {
            return swaks(port, sender, from);
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    /** The unfolded value of the first header field of that name, or null. */
    private static String field(String message, String name) {
        String header = message.substring(0, Math.max(0, message.indexOf("\r\n\r\n"))).replace("\r\n\t", " ").replace("\r\n ", " ");
        return header.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).strip()).findFirst().orElse(null);
    }

    /** A new RSA key, PEM PKCS#8, as the README's openssl line makes one. */
    private static void writeKey(Path file) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n");
    }
}
