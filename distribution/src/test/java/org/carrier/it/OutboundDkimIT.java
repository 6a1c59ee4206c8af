package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.Dkimpy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * DKIM on the outbound stage, against the started distribution: signer.test has an RSA and an Ed25519 key
 * ({@code signingKeys}, one DKIM-Signature each, RFC 8463 §3) and is the {@code signingDomain}; what real SMTP sinks
 * receive is checked by dkimpy, an independent verifier, signature by signature. Signed: relayed mail, an 8-bit message
 * converted for a peer without 8BITMIME, a DSN, mail forwarded by an alias from elsewhere (the forwarder's own d=),
 * bin/sendmail, a held-then-released message. Not signed: an Internet client's mail with From: signer.test. A key file
 * that does not parse (broken.test's) is one log line naming file and domain, and that domain's mail still flows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundDkimIT {
    private static final Pattern QUEUED = Pattern.compile("queued as (\\S+)");

    private Path dir;
    private RunningCarrier carrier;
    /** dest.test, signer.test and elsewhere.test: offers 8BITMIME, refuses nobody@dest.test (a bounce). */
    private SmtpSink sink;
    /** old.test: no 8BITMIME. */
    private SmtpSink old;
    /** A listener whose clients (loopback) are not trusted: mail from the Internet. */
    private int internet;
    private final Map<String, String> records = new java.util.HashMap<>();

    @BeforeAll
    void start() throws Exception {
        sink = SmtpSink.refusing("nobody@dest.test");
        old = new SmtpSink().withoutEightBitMime();
        dir = Files.createTempDirectory(Distribution.home().getParent(), "outbound-dkim-");
        carrier = new RunningCarrier(dir);
        internet = Distribution.freePort();
        carrier.configure("org.carrier.route-sink.cfg", "domains = dest.test, signer.test, elsewhere.test, broken.test\ntransport = smtp\n"
                + "nextHops = 127.0.0.1:" + sink.port() + "\n");
        carrier.configure("org.carrier.route-old.cfg", "domains = old.test\ntransport = smtp\nnextHops = 127.0.0.1:" + old.port() + "\n");
        carrier.configure("org.carrier.route-later.cfg", "domains = later.test\ntransport = hold\n");
        carrier.configure("org.carrier.smtp.listener-internet.cfg", "name = internet\nbindAddress = 127.0.0.1\nport = " + internet
                + "\ntrustedNetworks = 10.255.255.0/24\n");
        Path router = carrier.home.resolve("config/org.carrier.router.cfg");
        Files.writeString(router, Files.readString(router).replace("localDomains = localhost", "localDomains = localhost, local.test"));
        Path aliases = carrier.home.resolve("config/aliases.properties");
        Files.writeString(aliases, Files.readString(aliases) + "fwd@local.test = carol@dest.test\n");
        Files.createDirectories(carrier.home.resolve("config/dkim"));
        KeyPair rsa = generate("RSA", 2048);
        KeyPair ed = generate("Ed25519", 0);
        writeKey(carrier.home.resolve("config/dkim/rsa.pem"), rsa);
        writeKey(carrier.home.resolve("config/dkim/ed.pem"), ed);
        records.put("rsa._domainkey.signer.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded()));
        byte[] spki = ed.getPublic().getEncoded(); // RFC 8463 §4: the raw 32-byte key, the end of the SPKI form
        records.put("ed._domainkey.signer.test", "v=DKIM1; k=ed25519; p="
                + Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
        carrier.configure("org.carrier.filter.dkim.cfg",
                "signingKeys = signer.test:rsa:dkim/rsa.pem, signer.test:ed:dkim/ed.pem, broken.test:bad:dkim/broken.pem\n"
                + "signingDomain = signer.test\n");
        Files.writeString(carrier.home.resolve("config/dkim/broken.pem"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        Files.copy(carrier.home.resolve("extras/org.carrier.filter.dkim.jar"), carrier.home.resolve("deploy/org.carrier.filter.dkim.jar"));
        carrier.start();
        // FileInstall deploys the dkim bundle a moment after the listener answers: wait until mail leaves signed
        SmtpSink.Received first = null;
        for (int i = 0; i < 30 && (first == null || !first.content().contains("DKIM-Signature:")); i++) {
            assertTrue(send(carrier.smtpPort, "alice@signer.test", "bob@dest.test", message("alice@signer.test", "probe")).startsWith("250"));
            first = sink.next(30);
            assertNotNull(first, "the sink got nothing:\n" + carrier.console());
        }
        assertTrue(first.content().contains("DKIM-Signature:"), "never signed:\n" + carrier.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink, old);
    }

    private static String message(String from, String subject) {
        return "From: " + from + "\r\nTo: bob@dest.test\r\nSubject: " + subject + "\r\n\r\nHello,\r\n  two  spaces\r\n";
    }

    /** dkimpy's verdict on each DKIM-Signature of what the sink received, top first. */
    private List<String> verdicts(SmtpSink.Received received) throws Exception {
        return Dkimpy.verifyEach(dir, received.content().getBytes(StandardCharsets.ISO_8859_1), records);
    }

    private void assertSignedByBothKeys(SmtpSink.Received received) throws Exception {
        assertNotNull(received, "nothing arrived:\n" + carrier.console());
        String header = received.content().substring(0, received.content().indexOf("\r\n\r\n")).replace("\r\n\t", " ");
        assertTrue(header.contains("a=rsa-sha256; c=relaxed/relaxed; d=signer.test; s=rsa;"), header);
        assertTrue(header.contains("a=ed25519-sha256; c=relaxed/relaxed; d=signer.test; s=ed;"), header);
        assertEquals(List.of("pass", "pass"), verdicts(received), received.content());
    }

    @Test
    void relayedMailIsSignedWithBothKeysAndGotDateAndMessageIdBeforeSigning() throws Exception {
        assertTrue(send(carrier.smtpPort, "alice@signer.test", "bob@dest.test", message("Alice <alice@signer.test>", "relayed"))
                .startsWith("250"));
        SmtpSink.Received received = sink.next(30);
        assertSignedByBothKeys(received);
        String header = received.content().substring(0, received.content().indexOf("\r\n\r\n"));
        assertTrue(header.contains("\r\nDate: ") && header.contains("\r\nMessage-ID: <"), header);
        assertTrue(header.replace("\r\n\t", " ").contains(":date:message-id"), "Date and Message-ID are signed: " + header);
        assertEquals("fail", Dkimpy.verify(dir, received.content().replace("two  spaces", "two spies")
                .getBytes(StandardCharsets.ISO_8859_1), records), "a changed body fails");
    }

    /** RFC 6152 §3: converted to quoted-printable for the peer, and signed after the conversion, so it verifies. */
    @Test
    void anEightBitMessageConvertedForAPeerWithoutEightBitMimeVerifies() throws Exception {
        String body = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nMIME-Version: 1.0\r\n"
                + "From: alice@signer.test\r\nTo: dora@old.test\r\nSubject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu, cr\u00e8me br\u00fbl\u00e9e\r\n";
        assertTrue(send(carrier.smtpPort, "alice@signer.test", "dora@old.test", body.replace("Subject: caf\u00e9", "Subject: cafe"))
                .startsWith("250"));
        SmtpSink.Received received = old.next(30);
        assertNotNull(received, carrier.console());
        assertTrue(received.content().contains("Content-Transfer-Encoding: quoted-printable"), received.content());
        assertTrue(received.content().chars().allMatch(c -> c < 128), "7-bit on the wire:\n" + received.content());
        assertSignedByBothKeys(received);
    }

    /** A bounce of mail from signer.test: From MAILER-DAEMON@ this host, signed with the signing domain's keys. */
    @Test
    void aDeliveryStatusNotificationIsSigned() throws Exception {
        assertTrue(send(carrier.smtpPort, "alice@signer.test", "nobody@dest.test", message("alice@signer.test", "will bounce"))
                .startsWith("250"));
        SmtpSink.Received dsn = null;
        for (int i = 0; i < 5 && (dsn == null || !dsn.from().isEmpty()); i++) {
            dsn = sink.next(30);
        }
        assertNotNull(dsn, "no DSN:\n" + carrier.console());
        assertEquals("", dsn.from(), "from <>");
        assertEquals(List.of("alice@signer.test"), dsn.to());
        assertTrue(dsn.content().contains("From: Mail Delivery System <MAILER-DAEMON@"), dsn.content());
        assertSignedByBothKeys(dsn);
    }

    /**
     * An Internet client's mail that the alias fwd@local.test forwards to carol@dest.test: signed with the signing
     * domain's keys, as the forwarder (its From, elsewhere.test, is not ours to sign for).
     */
    @Test
    void mailForwardedByAnAliasIsSignedByTheForwarder() throws Exception {
        assertTrue(send(internet, "carol@elsewhere.test", "fwd@local.test", message("Carol <carol@elsewhere.test>", "forwarded"))
                .startsWith("250"));
        SmtpSink.Received received = nextTo("carol@dest.test");
        assertSignedByBothKeys(received);
        assertTrue(received.content().contains("From: Carol <carol@elsewhere.test>"), received.content());
    }

    /** The security rule: an Internet client's mail with From: signer.test is never signed with signer.test's keys. */
    @Test
    void anInternetClientsMailWithOurFromIsNotSigned() throws Exception {
        assertTrue(send(internet, "alice@signer.test", "fwd@local.test", message("Alice <alice@signer.test>", "spoof"))
                .startsWith("250"));
        SmtpSink.Received received = nextTo("carol@dest.test");
        assertNotNull(received, carrier.console());
        assertTrue(received.content().contains("Subject: spoof"), received.content());
        assertNull(field(received.content(), "DKIM-Signature"), "signed a spoof:\n" + received.content());
    }

    @Test
    void mailFromBinSendmailIsSigned() throws Exception {
        RunningCarrier.Ran ran = carrier.bin("sendmail", "From: alice@signer.test\nSubject: from cron\n\nnightly report\n",
                "-f", "alice@signer.test", "bob@dest.test");
        assertEquals(0, ran.status(), ran.err());
        SmtpSink.Received received = sink.next(30);
        assertSignedByBothKeys(received);
        assertTrue(received.content().contains("Subject: from cron"), received.content());
    }

    /** Held in the queue (route hold), the route changed, then carrier:hold and carrier:release: it leaves signed. */
    @Test
    void aHeldThenReleasedMessageIsSigned() throws Exception {
        String reply = send(carrier.smtpPort, "alice@signer.test", "erin@later.test", message("alice@signer.test", "held"));
        Matcher queued = QUEUED.matcher(reply);
        assertTrue(queued.find(), reply);
        String id = queued.group(1);
        assertTrue(Distribution.waitFor(30, () -> carrier.shell("carrier:show", id).contains("4.3.2")), carrier.shell("carrier:show", id));
        carrier.shell("carrier:hold", id);
        assertTrue(carrier.shell("carrier:queue", "--held").contains(id), carrier.shell("carrier:queue", "--held"));
        carrier.configure("org.carrier.route-later.cfg", "domains = later.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\n");
        assertTrue(Distribution.waitFor(30, () -> carrier.shell("carrier:route", "erin@later.test").contains("smtp")),
                carrier.shell("carrier:route", "erin@later.test"));
        carrier.shell("carrier:release", id);
        SmtpSink.Received received = nextTo("erin@later.test");
        assertSignedByBothKeys(received);
    }

    /**
     * broken.test's key file is not a key: one ERROR line names the file and the domain, and its mail still leaves,
     * without a broken.test signature (signed, as any domain without a usable key, with the signingDomain's keys).
     */
    @Test
    void aKeyFileThatDoesNotParseIsLoggedAndTheDomainsMailStillFlows() throws Exception {
        String log = carrier.awaitLog("(domain broken.test)");
        List<String> lines = log.lines().filter(l -> l.contains(" ERROR ") && l.contains("dkim/broken.pem")).toList();
        assertEquals(1, lines.size(), "one line names file and domain:\n" + log);
        assertTrue(lines.get(0).contains("(domain broken.test)"), lines.get(0));
        assertTrue(send(carrier.smtpPort, "bert@broken.test", "bob@dest.test", message("bert@broken.test", "broken key"))
                .startsWith("250"));
        SmtpSink.Received received = nextTo("bob@dest.test");
        assertNotNull(received, carrier.console());
        assertTrue(received.content().contains("Subject: broken key"), received.content());
        assertTrue(!received.content().contains("d=broken.test"), "no broken.test signature:\n" + received.content());
        assertSignedByBothKeys(received);
    }

    /** The next message the sink gets for {@code recipient}, skipping others (at most 5). */
    private SmtpSink.Received nextTo(String recipient) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            SmtpSink.Received r = sink.next(30);
            if (r == null || r.to().contains(recipient)) {
                return r;
            }
        }
        return null;
    }

    /** One transaction; the final reply. 8-bit content goes with BODY=8BITMIME (RFC 6152). */
    private static String send(int port, String from, String to, String message) throws IOException {
        boolean eightBit = message.chars().anyMatch(c -> c > 127);
        return SmtpClient.send(null, port, from, eightBit ? " BODY=8BITMIME" : "", List.of(to), message);
    }

    /** The unfolded value of the first header field of that name, or null. */
    private static String field(String message, String name) {
        String header = message.substring(0, Math.max(0, message.indexOf("\r\n\r\n"))).replace("\r\n\t", " ").replace("\r\n ", " ");
        return header.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).strip()).findFirst().orElse(null);
    }

    private static KeyPair generate(String type, int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
        if (bits > 0) {
            generator.initialize(bits);
        }
        return generator.generateKeyPair();
    }

    /** PEM PKCS#8, as the README's openssl lines make one. */
    private static void writeKey(Path file, KeyPair pair) throws IOException {
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }
}
