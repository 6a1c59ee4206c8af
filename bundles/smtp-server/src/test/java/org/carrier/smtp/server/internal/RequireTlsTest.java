package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.carrier.smtp.server.internal.tls.ListenerTls;
import org.carrier.smtp.server.internal.tls.ServerCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REQUIRETLS (RFC 8689 §2) against the running listener with real clients: swaks reads the EHLO keywords,
 * Python's smtplib gives the MAIL FROM parameter (swaks has no option for MAIL parameters).
 */
class RequireTlsTest {
    private final TestServices services = new TestServices();
    private final MemoryQueue queue = services.queue;
    private SmtpListener listener;
    @TempDir
    Path temp;
    @TempDir
    static Path certificates;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private int start() throws Exception {
        ListenerTls tls = ListenerTls.load(new ServerCertificates(certificates, Clock.systemUTC()), "", "", "mx.carrier.test");
        listener = new SmtpListener(TestSettings.of().withTls(tls), services);
        return listener.port();
    }

    @Test
    void requireTlsIsOfferedOnlyAfterStartTls() throws Exception {
        int port = start();
        String[] clear = Clients.swaks(port, "--quit-after", "EHLO");
        assertEquals("0", clear[0], clear[1]);
        assertTrue(clear[1].contains("STARTTLS"), clear[1]);
        assertFalse(clear[1].contains("REQUIRETLS"), "not offered in the clear: " + clear[1]);
        String[] tls = Clients.swaks(port, "--tls", "--quit-after", "EHLO");
        assertEquals("0", tls[0], tls[1]);
        assertTrue(tls[1].contains("250-REQUIRETLS") || tls[1].contains("250 REQUIRETLS"), tls[1]);
    }

    @Test
    void requireTlsInTheClearIsRefusedWith530AndNothingIsQueued() throws Exception {
        int port = start();
        List<String> replies = Clients.exchange(port, "EHLO client.test\r\nMAIL FROM:<s@client.test> REQUIRETLS\r\nQUIT\r\n");
        assertTrue(replies.get(2).startsWith("530 5.7.10 REQUIRETLS needs a TLS session"), replies.toString());
        assertTrue(queue.committed.isEmpty());
    }

    @Test
    void requireTlsOverStartTlsIsQueuedWithTheParameter() throws Exception {
        int port = start();
        String[] r = python(port, "REQUIRETLS");
        assertEquals("0", r[0], r[1]);
        assertEquals(1, queue.committed.size());
        assertTrue(queue.committed.get(0).envelope().requiresTls(), queue.committed.get(0).envelope().toString());
    }

    @Test
    void requireTlsWithAValueIsASyntaxError() throws Exception {
        int port = start();
        String[] r = python(port, "REQUIRETLS=YES");
        assertTrue(r[1].contains("501") && r[1].contains("REQUIRETLS takes no value"), r[1]);
        assertTrue(queue.committed.isEmpty());
    }

    /** smtplib over STARTTLS (no certificate check: the listener's is self-signed) sending with one MAIL option. */
    private String[] python(int port, String mailOption) throws Exception {
        Path script = temp.resolve("send.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, ssl, sys",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.test', timeout=20)",
                "s.starttls(context=ssl._create_unverified_context())",
                "s.ehlo()",
                "assert s.has_extn('requiretls'), s.esmtp_features",
                "s.sendmail('s@client.test', ['alice@localhost'], b'Subject: requiretls\\r\\n\\r\\nsecret\\r\\n',",
                "           mail_options=[sys.argv[2]])",
                "s.quit()",
                "print('sent')"), StandardCharsets.UTF_8);
        return Clients.run("python3", script.toString(), String.valueOf(port), mailOption);
    }
}
