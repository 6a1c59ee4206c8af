package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * SRS end to end, with two real Carriers: A (forwarder.test) has the alias fwd = bob@dest.test and a route to B;
 * B (dest.test) runs Carrier's own SPF filter (failAction REJECT) against a real nsd serving the SPF records
 * of orig.test (only 192.0.2.1 may send) and forwarder.test (loopback may send). Forwarded mail from alice@orig.test
 * passes SPF at B because A rewrote the sender to SRS0=...@forwarder.test; with SRS off the same forward fails SPF.
 * The bounce to the SRS address reaches alice's MX (a sink); forged and expired SRS addresses are refused at RCPT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SrsIT {
    private static final String SECRET = "srs-it-secret";
    private static final Pattern RETURN_PATH = Pattern.compile("(?m)^Return-Path: <([^>]*)>");

    private NsdServer nsd;
    private SmtpSink origMx;
    private RunningCarrier forwarder;
    private RunningCarrier dest;

    @BeforeAll
    void start() throws Exception {
        nsd = NsdServer.start(Map.of(
                "orig.test", "@ TXT \"v=spf1 ip4:192.0.2.1 -all\"\n",
                "forwarder.test", "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n"), 60);
        origMx = new SmtpSink();
        dest = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-srs-dest-"));
        Path destConfig = dest.home.resolve("config");
        // loopback is not trusted at B, so A's connection is checked by SPF like a stranger's
        replace(destConfig.resolve("org.carrier.smtp.listener-default.cfg"), "trustedNetworks = 127.0.0.0/8, ::1/128", "trustedNetworks = ::1/128");
        replace(destConfig.resolve("org.carrier.router.cfg"), "localDomains = localhost", "localDomains = dest.test, localhost");
        dest.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        dest.configure("org.carrier.filter.spf.cfg", "failAction = REJECT\ncheckHelo = false\n");
        Files.copy(dest.home.resolve("extras/org.carrier.filter.spf.jar"), dest.home.resolve("deploy/org.carrier.filter.spf.jar"));
        dest.start();

        forwarder = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-srs-fwd-"));
        Path config = forwarder.home.resolve("config");
        replace(config.resolve("org.carrier.router.cfg"), "localDomains = localhost", "localDomains = forwarder.test, localhost");
        Files.writeString(config.resolve("aliases.properties"), "\nfwd@forwarder.test = bob@dest.test\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        replace(config.resolve("org.carrier.srs.cfg"), "secret =", "secret = " + SECRET);
        forwarder.configure("org.carrier.route-dest.cfg", "domains = dest.test\ntransport = smtp\nnextHops = 127.0.0.1:" + dest.smtpPort + "\n");
        forwarder.configure("org.carrier.route-orig.cfg", "domains = orig.test\ntransport = smtp\nnextHops = 127.0.0.1:" + origMx.port() + "\n");
        forwarder.start();
        // B's SPF filter is hot-deployed: it is active once a forged sender from loopback is refused
        assertTrue(Distribution.waitFor(30, () -> sendTo(dest.smtpPort, "alice@orig.test", "probe@dest.test").startsWith("550 5.7.23")),
                "the SPF filter is not active at B:\n" + dest.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(forwarder, dest, origMx, nsd);
    }

    private static String sendTo(int port, String from, String to) {
        try {
            return SmtpClient.send(port, from, List.of(to), "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: srs\r\n\r\nforwarded\r\n");
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    @Order(1)
    void forwardedMailPassesSpfBecauseOfSrsAndItsBounceReachesTheOriginalSender() throws Exception {
        assertTrue(sendTo(forwarder.smtpPort, "alice@orig.test", "fwd@forwarder.test").startsWith("250"));
        String delivered = awaitMessage(dest.maildir("bob"), 1);
        Matcher path = RETURN_PATH.matcher(delivered);
        assertTrue(path.find(), delivered);
        String srs = path.group(1);
        assertTrue(srs.matches("SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=orig\\.test=alice@forwarder\\.test"), srs);
        assertTrue(delivered.contains("Received-SPF: pass"), delivered);
        assertTrue(delivered.contains("spf=pass smtp.mailfrom=\"" + srs + "\""), delivered);
        assertTrue(forwarder.awaitLog("SRS: sender <alice@orig.test> sent as <" + srs + ">").contains("forwarded by fwd@forwarder.test"));

        // the bounce B (or any later hop) sends to the SRS address goes back to alice's own MX
        String bounce = "From: MAILER-DAEMON@dest.test\r\nTo: <" + srs + ">\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nbob moved\r\n";
        try (SmtpClient client = new SmtpClient("127.0.0.1", forwarder.smtpPort)) {
            client.reply();
            client.command("EHLO dest.test");
            assertTrue(client.command("MAIL FROM:<>").startsWith("250"));
            assertEquals("250 2.1.5 Ok", client.command("RCPT TO:<" + srs.toLowerCase() + ">"), "a receiver may fold the case");
            assertTrue(client.data(bounce).startsWith("250"));
        }
        SmtpSink.Received returned = origMx.next(30);
        assertNotNull(returned, "no bounce reached orig.test's MX:\n" + forwarder.console());
        assertEquals("", returned.from());
        assertEquals(List.of("alice@orig.test"), returned.to());
        assertTrue(returned.content().contains("bob moved"), returned.content());
    }

    @Test
    @Order(2)
    void withoutSrsTheSameForwardFailsSpfAndBounces() throws Exception {
        Path cfg = forwarder.home.resolve("config/org.carrier.srs.cfg");
        String on = Files.readString(cfg, StandardCharsets.ISO_8859_1);
        try {
            Files.writeString(cfg, on.replace("enabled = true", "enabled = false"), StandardCharsets.ISO_8859_1);
            forwarder.awaitLog("SRS: off (enabled = false)");
            assertTrue(sendTo(forwarder.smtpPort, "alice@orig.test", "fwd@forwarder.test").startsWith("250"));
            SmtpSink.Received dsn = origMx.next(60);
            assertNotNull(dsn, "no bounce for the forward B refused:\n" + forwarder.console());
            assertEquals(List.of("alice@orig.test"), dsn.to());
            assertTrue(dsn.content().contains("5.7.23"), "B's SPF refusal: " + dsn.content());
        } finally {
            Files.writeString(cfg, on, StandardCharsets.ISO_8859_1);
        }
        assertTrue(Distribution.waitFor(30, () -> logCount(forwarder, "SRS: senders of forwarded mail are rewritten") >= 2));
    }

    @Test
    @Order(3)
    void forgedAndExpiredSrsAddressesAreRefusedAtRcpt() throws Exception {
        String fresh = srs0("alice", "orig.test", 0);
        String forged = fresh.replace("=alice@", "=mallory@");
        String expired = srs0("alice", "orig.test", 30);
        try (SmtpClient client = new SmtpClient("127.0.0.1", forwarder.smtpPort)) {
            client.reply();
            client.command("EHLO stranger.test");
            assertTrue(client.command("MAIL FROM:<>").startsWith("250"));
            assertEquals("550 5.1.1 <" + forged + ">: SRS address with an invalid hash", client.command("RCPT TO:<" + forged + ">"));
            assertEquals("550 5.1.1 <" + expired + ">: SRS address expired (older than 21 days)", client.command("RCPT TO:<" + expired + ">"));
            assertEquals("250 2.1.5 Ok", client.command("RCPT TO:<" + fresh + ">"), "the vector computed here is what A accepts");
        }
    }

    /**
     * An SRS0 address at forwarder.test made {@code daysAgo} days ago with A's secret, computed by Python's hmac from
     * the documented algorithm (libsrs2/postsrsd): base64(HMAC-SHA1(secret, lower(TT + domain + local)))[0:4], TT the
     * day number modulo 1024 in base32 (A-Z2-7).
     */
    private static String srs0(String local, String domain, int daysAgo) throws Exception {
        String script = String.join("\n",
                "import base64, hmac, hashlib, sys, time",
                "day = (int(time.time()) // 86400 - int(sys.argv[3])) % 1024",
                "chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'",
                "tt = chars[day >> 5] + chars[day & 31]",
                "data = (tt + sys.argv[2] + sys.argv[1]).lower().encode()",
                "hh = base64.b64encode(hmac.new(sys.argv[4].encode(), data, hashlib.sha1).digest()).decode()[:4]",
                "print('SRS0=%s=%s=%s=%s@forwarder.test' % (hh, tt, sys.argv[2], sys.argv[1]))");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script, local, domain, String.valueOf(daysAgo), SECRET)
                .redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(python.waitFor(30, TimeUnit.SECONDS) && python.exitValue() == 0, out);
        return out;
    }

    private static long logCount(RunningCarrier carrier, String text) {
        try {
            return Pattern.compile(Pattern.quote(text)).matcher(Files.readString(carrier.home.resolve("logs/carrier.log"))).results().count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String awaitMessage(Path maildir, int count) throws Exception {
        Path dir = maildir.resolve("new");
        assertTrue(Distribution.waitFor(60, () -> files(dir).size() >= count), "no message in " + dir);
        return Files.readString(files(dir).get(count - 1), StandardCharsets.UTF_8);
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from), file + " lacks " + from);
        Files.writeString(file, text.replace(from, to), StandardCharsets.ISO_8859_1);
    }
}
