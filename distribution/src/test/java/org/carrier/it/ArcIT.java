package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.testing.Dkimpy;
import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * ARC end to end (RFC 8617): the started distribution, with the dkim and dmarc filters deployed, forwards mail through
 * the alias team@forward.test to a real SMTP sink and seals it; dkimpy's arc_verify accepts the sink's copy, both a
 * first set and Carrier's second set on a chain dkimpy's arc_sign made for lists.test. Keys and the DMARC policy of
 * origin.test (p=reject) are served by a real nsd. Mail from origin.test that fails DMARC is refused, and accepted once
 * lists.test is among the dmarc filter's trustedArcSealers. A set without its ARC-Message-Signature fails, is logged
 * and is forwarded all the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArcIT {
    private final Map<String, String> records = new HashMap<>();
    private Path work;
    private NsdServer nsd;
    private SmtpSink sink;
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-arc-");
        KeyPair forwarder = rsa();
        KeyPair list = rsa();
        records.put("seal._domainkey.forward.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(forwarder.getPublic().getEncoded()));
        records.put("list._domainkey.lists.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(list.getPublic().getEncoded()));
        write(work.resolve("list.pem"), list);
        nsd = NsdServer.start(Map.of(
                "forward.test", "seal._domainkey TXT " + NsdServer.txt(records.get("seal._domainkey.forward.test")) + "\n",
                "lists.test", "list._domainkey TXT " + NsdServer.txt(records.get("list._domainkey.lists.test")) + "\n",
                "origin.test", "_dmarc TXT \"v=DMARC1; p=reject\"\n@ TXT \"v=spf1 ip4:192.0.2.1 -all\"\n",
                "plain.test", "www A 192.0.2.2\n"), 60);
        sink = new SmtpSink();
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-arc-home-"));
        Path config = carrier.home.resolve("config");
        // loopback is not trusted: the test's client is a stranger whose mail is verified, not signed
        replace(config.resolve("org.carrier.smtp.listener-default.cfg"), "trustedNetworks = 127.0.0.0/8, ::1/128", "trustedNetworks = ::1/128");
        replace(config.resolve("org.carrier.router.cfg"), "localDomains = localhost", "localDomains = forward.test, localhost");
        Files.writeString(config.resolve("aliases.properties"), "\nteam@forward.test = bob@dest.test\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        carrier.configure("org.carrier.route-dest.cfg", "domains = dest.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\n");
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        Files.createDirectories(config.resolve("dkim"));
        write(config.resolve("dkim/forward.test.pem"), forwarder);
        carrier.configure("org.carrier.filter.dkim.cfg", "signingKeys = forward.test:seal:dkim/forward.test.pem\n");
        for (String filter : List.of("dkim", "dmarc")) {
            Files.copy(carrier.home.resolve("extras/org.carrier.filter." + filter + ".jar"),
                    carrier.home.resolve("deploy/org.carrier.filter." + filter + ".jar"));
        }
        carrier.start();
        // the filters are hot-deployed: DMARC is active once origin.test's p=reject refuses unauthenticated mail
        assertTrue(Distribution.waitFor(60, () -> send(message("alice@origin.test", "probe")).startsWith("550 5.7.1")),
                "the dmarc filter is not active:\n" + carrier.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink, nsd);
    }

    @Test
    @Order(1)
    void forwardedMailIsSealedAndDkimpyAcceptsTheSeal() throws Exception {
        SmtpSink.Received copy = forward(message("carol@plain.test", "first seal"));
        for (int i = 0; i < 30 && !copy.content().contains("ARC-Seal:"); i++) {
            copy = forward(message("carol@plain.test", "first seal")); // until the dkim bundle is active as well
        }
        assertEquals(List.of("bob@dest.test"), copy.to());
        String content = copy.content();
        assertTrue(content.startsWith("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=forward.test; s=seal;"), content);
        assertTrue(content.contains("ARC-Authentication-Results: i=1; "), content);
        assertEquals("pass", Dkimpy.arcVerify(work, bytes(content), records), content);
        assertTrue(carrier.awaitLog("arc: sealed i=1 cv=none d=forward.test s=seal").contains("arc: sealed i=1 cv=none"));
    }

    @Test
    @Order(2)
    void aChainDkimpySealedIsExtendedAndStillPasses() throws Exception {
        SmtpSink.Received copy = forward(sealedByList("carol@plain.test", "second seal"));
        String content = copy.content();
        assertTrue(content.startsWith("ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=forward.test; s=seal;"), content);
        assertTrue(content.replace("\r\n\t", " ").contains("arc=pass header.d=lists.test header.s=list"),
                "Carrier's own verdict at reception, sealed in its AAR:\n" + content);
        assertEquals("pass", Dkimpy.arcVerify(work, bytes(content), records), content);
    }

    @Test
    @Order(3)
    void aTrustedSealersPassingChainOverridesDmarc() throws Exception {
        String failing = sealedByList("alice@origin.test", "trusted sealer");
        assertTrue(send(failing).startsWith("550 5.7.1"), "p=reject applies without trustedArcSealers");
        carrier.configure("org.carrier.filter.dmarc.cfg", "trustedArcSealers = lists.test\n");
        assertTrue(Distribution.waitFor(30, () -> send(failing).startsWith("250")), "never accepted:\n" + carrier.console());
        SmtpSink.Received copy = sink.next(30);
        assertNotNull(copy, "nothing forwarded:\n" + carrier.console());
        String content = copy.content().replace("\r\n\t", " ");
        assertTrue(content.contains("dmarc=fail reason=\"p=reject; override local_policy: arc=pass as.d=lists.test\""), content);
        assertEquals("pass", Dkimpy.arcVerify(work, bytes(copy.content()), records));
        assertTrue(carrier.awaitLog("overridden (local_policy: arc=pass as.d=lists.test): accepted")
                .contains("dmarc: fail for origin.test: p=reject overridden"));
    }

    /** Bad input: a set without its ARC-Message-Signature is arc=fail, logged with the queue ID and domain; mail flows. */
    @Test
    @Order(4)
    void aSetWithAMissingFieldFailsIsLoggedAndStillForwarded() throws Exception {
        String incomplete = sealedByList("carol@plain.test", "missing instance")
                .replaceFirst("(?m)^ARC-Message-Signature:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", "");
        assertTrue(!incomplete.contains("ARC-Message-Signature") && incomplete.contains("ARC-Seal: i=1;"), incomplete);
        String reply = send(incomplete);
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply + "\n" + carrier.console());
        String queueId = reply.substring("250 2.0.0 Ok: queued as ".length()).strip();
        SmtpSink.Received copy = sink.next(30);
        assertNotNull(copy, "nothing forwarded:\n" + carrier.console());
        String content = copy.content().replace("\r\n\t", " ");
        assertTrue(content.contains("arc=fail reason=\"instance i=1 of lists.test has no ARC-Message-Signature\""), content);
        assertTrue(content.startsWith("ARC-Seal: i=2; cv=fail;"), "RFC 8617 §5.1.1: a failed chain is sealed cv=fail:\n" + content);
        String line = queueId + ": arc: fail: instance i=1 of lists.test has no ARC-Message-Signature";
        assertTrue(carrier.awaitLog(line).contains(line), line);
    }

    private SmtpSink.Received forward(String message) throws Exception {
        String reply = send(message);
        assertTrue(reply.startsWith("250"), reply + "\n" + carrier.console());
        SmtpSink.Received copy = sink.next(30);
        assertNotNull(copy, "nothing forwarded:\n" + carrier.console());
        return copy;
    }

    private String send(String message) {
        try {
            return SmtpClient.send(carrier.smtpPort, "bounces@lists.test", List.of("team@forward.test"), message);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String message(String from, String subject) {
        return "From: <" + from + ">\r\nTo: <team@forward.test>\r\nSubject: " + subject
                + "\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\nMessage-ID: <" + subject.replace(' ', '-') + "@arc.test>\r\n\r\nforwarded to bob\r\n";
    }

    /** The message as lists.test sends it on: its own results, sealed by dkimpy's arc_sign (instance 1). */
    private String sealedByList(String from, String subject) throws Exception {
        byte[] received = bytes("Authentication-Results: lists.test; spf=pass smtp.mailfrom=" + from + "\r\n" + message(from, subject));
        byte[] sealed = Dkimpy.arcSign(work, received, "list", "lists.test", work.resolve("list.pem"), "lists.test");
        return new String(sealed, StandardCharsets.ISO_8859_1).replaceAll("(?<!\r)\n", "\r\n");
    }

    private static byte[] bytes(String text) {
        return text.replaceAll("(?<!\r)\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static void write(Path file, KeyPair pair) throws IOException {
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " does not contain " + from);
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.ISO_8859_1);
    }
}
