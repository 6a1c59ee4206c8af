package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.carrier.smtp.server.internal.auth.AuthFailureDelay;
import org.carrier.api.auth.PasswordHash;
import org.carrier.smtp.server.internal.tls.ServerCertificates;
import org.carrier.smtp.server.internal.tls.ListenerTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS, implicit TLS and AUTH against the running listener, with swaks and with a JDK TLS client. */
class TlsAndAuthTest {
    private final AuthFailureDelay failures = new AuthFailureDelay(Duration.ofMillis(100), Duration.ofMillis(400),
            Duration.ofMinutes(1), 100, Clock.systemUTC());
    private final TestServices services = new TestServices(failures);
    private final MemoryQueue queue = services.queue;
    private SmtpListener listener;
    @TempDir
    Path temp;
    /** One generated certificate for the whole class: making one takes a while. */
    @TempDir
    static Path certificates;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    /**
     * A listener with a self-signed certificate and the user alice (password "secret"), who may send as
     * alice@client.test; loopback is not trusted.
     */
    private int start(String role, Object... more) throws Exception {
        Path users = temp.resolve("users.properties");
        Files.writeString(users, "alice = " + PasswordHash.bcrypt("secret".getBytes(StandardCharsets.UTF_8), 4) + "\n");
        Path senders = temp.resolve("sender-logins.properties");
        Files.writeString(senders, "alice = alice@client.test\n");
        Object[] settings = new Object[more.length + 8];
        System.arraycopy(new Object[] {"role", role, "usersFile", users.toString(), "trustedNetworks", "10.0.0.0/8",
            "senderLoginsFile", senders.toString()}, 0, settings, 0, 8);
        System.arraycopy(more, 0, settings, 8, more.length);
        ListenerTls tls = ListenerTls.load(new ServerCertificates(certificates, Clock.systemUTC()), "", "", "mx.carrier.test");
        listener = new SmtpListener(TestSettings.of(settings).withTls(tls), services);
        return listener.port();
    }

    @Test
    void submissionWithStartTlsAndAuthMayRelay() throws Exception {
        int port = start("submission", "receivedShowsAuthUser", true);
        String[] r = Clients.swaks(port, "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret",
                "--from", "alice@client.test", "--to", "bob@relay.test");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("250 STARTTLS") || r[1].contains("250-STARTTLS"), r[1]);
        assertTrue(r[1].contains("235 2.7.0"), r[1]);
        String content = queue.committed.get(0).content();
        assertTrue(content.matches("(?s)Received: from \\S+ \\(\\[127\\.0\\.0\\.1]\\)\r\n\t\\(using TLSv1\\.[23] with cipher \\S+\\)\r\n"
                + "\t\\(Authenticated sender: alice\\)\r\n\tby mx\\.carrier\\.test \\(Carrier\\) with ESMTPSA id Q1\r\n.*"), content);
    }

    /** Postfix's reject_sender_login_mismatch: alice may not use another sender, in MAIL FROM or in From. */
    @Test
    void anAuthenticatedUserMaySendOnlyAsItsOwnAddresses() throws Exception {
        int port = start("submission");
        String[] login = {"--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret", "--to", "bob@relay.test"};
        String[] foreignMail = Clients.swaks(port, concat(login, "--from", "ceo@client.test"));
        assertTrue(foreignMail[1].contains("553 5.7.1 <ceo@client.test>: sender not owned by user"), foreignMail[1]);
        String[] foreignFrom = Clients.swaks(port, concat(login, "--from", "alice@client.test", "--header", "From: CEO <ceo@client.test>"));
        assertTrue(foreignFrom[1].contains("250 2.1.0") && foreignFrom[1].contains("553 5.7.1 <ceo@client.test>: sender not owned by user"),
                foreignFrom[1]);
        assertTrue(queue.committed.isEmpty(), "nothing refused was queued");
        String[] own = Clients.swaks(port, concat(login, "--from", "alice@client.test", "--header", "From: Alice <alice@client.test>"));
        assertEquals("0", own[0], own[1]);
        assertEquals(1, queue.committed.size());
    }

    @Test
    void withTheCheckOffAForeignSenderIsAccepted() throws Exception {
        int port = start("submission", "senderLoginCheck", false);
        String[] r = Clients.swaks(port, "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret",
                "--to", "bob@relay.test", "--from", "ceo@client.test");
        assertEquals("0", r[0], r[1]);
        assertEquals(1, queue.committed.size());
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void submissionRefusesMailWithoutAuthAndAuthWithoutTls() throws Exception {
        int port = start("submission");
        String[] plain = Clients.swaks(port, "--from", "alice@client.test", "--to", "bob@relay.test");
        assertTrue(plain[1].contains("530 5.7.0 Must issue a STARTTLS command first"), plain[1]);
        assertTrue(!plain[1].contains("250-AUTH"), "AUTH is not offered in clear: " + plain[1]);
        String[] noAuth = Clients.swaks(port, "--tls", "--from", "alice@client.test", "--to", "bob@relay.test");
        assertTrue(noAuth[1].contains("250-AUTH PLAIN LOGIN") || noAuth[1].contains("250 AUTH PLAIN LOGIN"), noAuth[1]);
        assertTrue(noAuth[1].contains("530 5.7.0 Authentication required"), noAuth[1]);
        assertTrue(queue.committed.isEmpty());
    }

    @Test
    void aWrongPasswordGets535AfterADelay() throws Exception {
        int port = start("submission");
        long begin = System.nanoTime();
        String[] r = Clients.swaks(port, "--tls", "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "wrong",
                "--from", "alice@client.test", "--to", "bob@relay.test");
        assertTrue(r[1].contains("535 5.7.8"), r[1]);
        assertTrue(System.nanoTime() - begin >= TimeUnit.MILLISECONDS.toNanos(100), "the failure delay was applied");
        assertTrue(failures.nextDelay(InetAddress.getLoopbackAddress()).toMillis() >= 200, "the next failure waits longer");
    }

    @Test
    void smtpsSpeaksTlsFromTheFirstByte() throws Exception {
        int port = start("smtps");
        String[] r = Clients.swaks(port, "--tlsc", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret",
                "--from", "alice@client.test", "--to", "carol@localhost");
        assertEquals("0", r[0], r[1]);
        assertTrue(!r[1].contains("STARTTLS"), "no STARTTLS inside TLS: " + r[1]);
        assertTrue(queue.committed.get(0).content().contains(" with ESMTPSA id "), queue.committed.get(0).content());
    }

    @Test
    void smtpsBehindAProxyReadsTheHeaderBeforeTls() throws Exception {
        int port = start("smtps", "proxyNetworks", "127.0.0.0/8");
        String[] r = Clients.swaks(port, "--tlsc", "--proxy-version", "2", "--proxy-family", "AF_INET6", "--proxy-source", "2001:db8::25",
                "--proxy-source-port", "40000", "--proxy-dest", "::1", "--proxy-dest-port", "465",
                "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret", "--from", "alice@client.test", "--to", "carol@localhost");
        assertEquals("0", r[0], r[1]);
        assertTrue(queue.committed.get(0).content().contains(" ([IPv6:2001:db8:0:0:0:0:0:25])"), queue.committed.get(0).content());
    }

    @Test
    void pythonSmtplibStartsTlsAndLogsIn() throws Exception {
        int port = start("submission");
        Path script = temp.resolve("submit.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, ssl, sys",
                "context = ssl.create_default_context()",
                "context.check_hostname = False",
                "context.verify_mode = ssl.CERT_NONE",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.test', timeout=20)",
                "s.starttls(context=context)",
                "s.ehlo()",
                "assert 'auth' in s.esmtp_features and not s.has_extn('starttls'), s.esmtp_features",
                "s.login('alice', 'secret')",
                "s.sendmail('alice@client.test', ['bob@relay.test'], b'Subject: python\\r\\n\\r\\nhi\\r\\n')",
                "s.quit()"), StandardCharsets.UTF_8);
        String[] r = Clients.run("python3", script.toString(), String.valueOf(port));
        assertEquals("0", r[0], r[1]);
        assertEquals("bob@relay.test", queue.committed.get(0).envelope().recipients().get(0).address().toString());
    }

    /** CVE-2011-0411: a command pipelined after STARTTLS in clear must not run inside TLS. */
    @Test
    void commandsPipelinedAfterStartTlsAreDropped() throws Exception {
        int port = start("mx");
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), port)) {
            plain.setSoTimeout(10_000);
            InputStream in = plain.getInputStream();
            assertTrue(Clients.readLine(in).startsWith("220 "));
            plain.getOutputStream().write("EHLO client.test\r\nSTARTTLS\r\nRSET\r\nMAIL FROM:<injected@client.test>\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply;
            do {
                reply = Clients.readLine(in);
            } while (reply.startsWith("250"));
            assertEquals("220 2.0.0 Ready to start TLS", reply);
            try (SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                InputStream tin = tls.getInputStream();
                out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("250 2.0.0 Ok", Clients.readLine(tin), "the first reply inside TLS answers NOOP: nothing injected ran");
                out.write("MAIL FROM:<a@client.test>\r\nAUTH PLAIN ".getBytes(StandardCharsets.US_ASCII));
                out.write((Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(StandardCharsets.US_ASCII)) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertEquals("503 5.5.1 Error: bad sequence of commands", Clients.readLine(tin), "RFC 3207 §4.2: EHLO again after TLS");
                assertEquals("503 5.5.1 Error: send EHLO first", Clients.readLine(tin));
            }
        }
    }

    /**
     * The handshake after STARTTLS is the client's turn like any other, with the command timeout as its deadline:
     * Netty's own 10 s handshake timeout dropped sessions whose handshake waited behind others on a busy server
     * (seen in the TLS benchmark: "handshake timed out after 10000ms" while the command timeout was 300 s).
     */
    @Test
    void aTlsHandshakeSlowerThanTenSecondsCompletesWithinTheCommandTimeout() throws Exception {
        int port = start("mx", "commandTimeoutSeconds", 60);
        try (Socket plain = startTlsCommand(port)) {
            Thread.sleep(11_000); // the handshake begins 11 s after the 220, as from a client stalled behind others
            try (SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                tls.startHandshake();
                tls.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("250 2.0.0 Ok", Clients.readLine(tls.getInputStream()));
            }
        }
    }

    /** ... and still a deadline: a client that never starts its handshake is cut off at the command timeout. */
    @Test
    void aClientThatNeverStartsItsHandshakeIsCutOffAtTheCommandTimeout() throws Exception {
        int port = start("mx", "commandTimeoutSeconds", 2);
        try (Socket plain = startTlsCommand(port)) {
            long start = System.nanoTime();
            plain.setSoTimeout(8_000);
            byte[] sent;
            try {
                sent = plain.getInputStream().readAllBytes(); // the client sends nothing: until the server closes
            } catch (java.net.SocketException reset) {
                sent = new byte[0];
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds >= 1.5 && seconds < 6, "closed after " + seconds + " s; the command timeout is 2 s");
            // at most a TLS alert record (RFC 8446 §5.1: content type 21) as the server closes; never a reply in clear
            assertTrue(sent.length == 0 || sent[0] == 21, "sent before closing: " + new String(sent, StandardCharsets.ISO_8859_1));
        }
    }

    /** A connection that has sent EHLO and STARTTLS and read the 220: the next bytes are the client's handshake. */
    private static Socket startTlsCommand(int port) throws Exception {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        plain.setSoTimeout(10_000);
        InputStream in = plain.getInputStream();
        assertTrue(Clients.readLine(in).startsWith("220 "));
        plain.getOutputStream().write("EHLO client.test\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        String reply;
        do {
            reply = Clients.readLine(in);
        } while (reply.startsWith("250"));
        assertEquals("220 2.0.0 Ready to start TLS", reply);
        return plain;
    }

    /** A test client: the listener's certificate is self-signed. */
    private static SSLContext trustAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }
}
