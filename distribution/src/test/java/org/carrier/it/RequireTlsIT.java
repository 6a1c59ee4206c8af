package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * REQUIRETLS (RFC 8689) end to end against the started distribution, with Python's smtplib as the client: refused in
 * the clear ({@code 530 5.7.10}), accepted inside STARTTLS; a REQUIRETLS message whose next hop's certificate cannot
 * be verified is not sent but bounced {@code 5.7.10}, and the report reaches the sender's mailbox with the header only.
 * The next hop is Carrier's own listener, a real TLS peer whose self-signed certificate no CA vouches for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequireTlsIT {
    private RunningCarrier carrier;
    private Path script;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "requiretls-");
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.route-verified.cfg", "domains = verified.test\ntransport = smtp\ntls = verify\n"
                + "nextHops = 127.0.0.1:" + carrier.smtpPort + "\n");
        script = dir.resolve("send.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, ssl, sys",
                "port, tls, to = int(sys.argv[1]), sys.argv[2] == 'tls', sys.argv[3]",
                "s = smtplib.SMTP('127.0.0.1', port, local_hostname='client.test', timeout=20)",
                "if tls:",
                "    s.starttls(context=ssl._create_unverified_context())",
                "s.ehlo()",
                "print('offered' if s.has_extn('requiretls') else 'not offered')",
                "msg = b'From: postmaster@localhost\\r\\nSubject: requiretls\\r\\n\\r\\nthe secret body\\r\\n'",
                "try:",
                "    s.sendmail('postmaster@localhost', [to], msg, mail_options=['REQUIRETLS'])",
                "    print('queued')",
                "except smtplib.SMTPSenderRefused as e:",
                "    print('refused', e.smtp_code, e.smtp_error.decode())",
                "s.quit()"), StandardCharsets.UTF_8);
        carrier.start();
        // The listener's certificate is made in the background at first start: wait until STARTTLS works.
        assertTrue(Distribution.waitFor(60, () -> send(true, "nobody@localhost").lines().anyMatch("offered"::equals)),
                "STARTTLS never worked:\n" + carrier.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    void requireTlsInTheClearIsNeitherOfferedNorAccepted() {
        String out = send(false, "nobody@localhost");
        assertTrue(out.contains("not offered"), out);
        assertTrue(out.contains("refused 530 5.7.10 REQUIRETLS needs a TLS session"), out);
    }

    @Test
    void aRequireTlsMessageToAnUnverifiableNextHopBouncesWith5710() throws Exception {
        List<Path> before = Distribution.newMail(carrier.maildir("root"));
        String out = send(true, "bob@verified.test");
        assertTrue(out.lines().anyMatch("offered"::equals) && out.contains("queued"), out);
        assertTrue(Distribution.waitFor(60, () -> Distribution.newMail(carrier.maildir("root")).size() > before.size()),
                "no report reached postmaster:\n" + carrier.console());
        Path report = Distribution.newMail(carrier.maildir("root")).stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
        String dsn = Files.readString(report, StandardCharsets.UTF_8);
        assertTrue(dsn.contains("Status: 5.7.10"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; bob@verified.test"), dsn);
        assertTrue(dsn.contains("text/rfc822-headers") && dsn.contains("Subject: requiretls"), dsn);
        assertFalse(dsn.contains("the secret body"), "RFC 8689 §5: the header only:\n" + dsn);
        String log = carrier.awaitLog("to=<bob@verified.test>");
        assertTrue(log.contains("status=bounced"), log);
    }

    /** Runs the script; its output (and the error output, for a failure's message). */
    private String send(boolean tls, String to) {
        try {
            Process p = new ProcessBuilder("python3", script.toString(), String.valueOf(carrier.smtpPort), tls ? "tls" : "clear", to)
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out: " + out;
            }
            return out;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }
}
