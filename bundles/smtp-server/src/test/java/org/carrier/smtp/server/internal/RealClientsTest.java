package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Real SMTP clients against the running listener: swaks (PIPELINING, PROXY v1 and v2), Python's smtplib
 * (SMTPUTF8, DSN) and Angus Mail. .ci/run installs swaks and python3; a missing tool fails these tests.
 */
class RealClientsTest {
    private final TestServices services = new TestServices();
    private final MemoryQueue queue = services.queue;
    private SmtpListener listener;
    @TempDir
    Path temp;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private int start(Object... settings) throws IOException {
        listener = new SmtpListener(TestSettings.of(settings), services);
        return listener.port();
    }

    @Test
    void swaksPipelinesAWholeTransaction() throws Exception {
        int port = start();
        String[] r = Clients.swaks(port, "--pipeline", "--from", "s@client.test",
                "--to", "alice@localhost,bob@localhost", "--header", "Subject: swaks", "--body", "hello\n.leading dot\n");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("250-PIPELINING"), r[1]);
        assertEquals(1, queue.committed.size());
        assertEquals(2, queue.committed.get(0).envelope().recipients().size());
        assertTrue(queue.committed.get(0).content().contains("\r\n.leading dot\r\n"), queue.committed.get(0).content());
    }

    @Test
    void swaksBehindAProxyIsSeenWithTheAddressTheProxyHeaderCarries() throws Exception {
        int port = start("proxyNetworks", "127.0.0.0/8", "trustedNetworks", "127.0.0.0/8");
        for (String version : new String[] {"1", "2"}) {
            String[] relay = Clients.swaks(port, "--proxy-version", version,
                    "--proxy-family", version.equals("1") ? "TCP4" : "AF_INET", "--proxy-source", "192.0.2.55",
                    "--proxy-source-port", "40000", "--proxy-dest", "127.0.0.1", "--proxy-dest-port", "25",
                    "--from", "s@client.test", "--to", "bob@relay.test");
            assertTrue(relay[1].contains("554 5.7.1 <bob@relay.test>: Relay access denied"), "v" + version + ": " + relay[1]);
            String[] local = Clients.swaks(port, "--proxy-version", version,
                    "--proxy-family", version.equals("1") ? "TCP4" : "AF_INET", "--proxy-source", "192.0.2.55",
                    "--proxy-source-port", "40000", "--proxy-dest", "127.0.0.1", "--proxy-dest-port", "25",
                    "--from", "s@client.test", "--to", "alice@localhost");
            assertEquals("0", local[0], local[1]);
        }
        assertEquals(2, queue.committed.size());
        assertTrue(queue.committed.get(1).content().startsWith("Received: from "), queue.committed.get(1).content());
        assertTrue(queue.committed.get(1).content().contains(" ([192.0.2.55])"), queue.committed.get(1).content());
    }

    @Test
    void limitsCountTheAddressTheProxyHeaderCarries() throws Exception {
        int port = start("proxyNetworks", "127.0.0.0/8", "trustedNetworks", "10.0.0.0/8", "maxConnectionsPerClient", 1);
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port)) {
            first.setSoTimeout(5_000);
            first.getOutputStream().write("PROXY TCP4 192.0.2.9 127.0.0.1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(Clients.readLine(first.getInputStream()).startsWith("220"));
            List<String> same = Clients.exchange(port, "PROXY TCP4 192.0.2.9 127.0.0.1 40001 25\r\nQUIT\r\n");
            assertTrue(same.get(0).startsWith("421 4.7.0"), "the second session of 192.0.2.9: " + same);
            List<String> other = Clients.exchange(port, "PROXY TCP4 192.0.2.10 127.0.0.1 40002 25\r\nQUIT\r\n");
            assertTrue(other.get(0).startsWith("220"), "another client behind the same proxy: " + other);
        }
    }

    @Test
    void aListenerBehindAProxyRefusesOtherAddresses() throws Exception {
        int port = start("proxyNetworks", "10.0.0.0/8");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            assertEquals(-1, s.getInputStream().read(), "closed without a greeting");
        }
    }

    @Test
    void pythonSmtplibSendsUtf8AddressesAndDsnParameters() throws Exception {
        int port = start();
        Path script = temp.resolve("send.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, sys",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.test', timeout=20)",
                "s.ehlo()",
                "assert s.has_extn('smtputf8') and s.has_extn('dsn') and s.has_extn('chunking'), s.esmtp_features",
                "msg = 'Subject: smtplib\\r\\n\\r\\nhello from python\\r\\n'.encode('utf-8')",
                "refused = s.sendmail('sënder@client.test', ['ünïcode@localhost'], msg, mail_options=['SMTPUTF8', 'RET=HDRS'],",
                "                     rcpt_options=['NOTIFY=FAILURE,DELAY'])",
                "assert refused == {}, refused",
                "code, text = s.docmd('VRFY', 'alice')",
                "assert code == 252, (code, text)",
                "s.quit()",
                "print('sent')"), StandardCharsets.UTF_8);
        String[] r = Clients.run("python3", script.toString(), String.valueOf(port));
        assertEquals("0", r[0], r[1]);
        assertEquals(1, queue.committed.size());
        assertEquals("sënder@client.test", queue.committed.get(0).envelope().reversePath().toString());
        assertEquals("FAILURE,DELAY", queue.committed.get(0).envelope().recipients().get(0).parameters().get("NOTIFY"));
        assertEquals("HDRS", queue.committed.get(0).envelope().mailParameters().get("RET"));
    }

    @Test
    void angusMailSendsAMessage() throws Exception {
        int port = start();
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(port));
        props.put("mail.smtp.localhost", "client.test");
        props.put("mail.smtp.timeout", "20000");
        props.put("mail.smtp.dsn.notify", "SUCCESS,FAILURE");
        props.put("mail.smtp.dsn.ret", "FULL");
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("s@client.test"));
        message.setRecipients(Message.RecipientType.TO, "alice@localhost, bob@localhost");
        message.setSubject("from Angus Mail");
        message.setText("hello\n.dot line\nlast line\n");
        Transport.send(message);
        assertEquals(1, queue.committed.size());
        MemoryQueue.Committed m = queue.committed.get(0);
        assertEquals(2, m.envelope().recipients().size());
        assertEquals("FULL", m.envelope().mailParameters().get("RET"));
        assertTrue(m.content().contains("Subject: from Angus Mail\r\n"), m.content());
        assertTrue(m.content().contains("\r\n.dot line\r\n"), m.content());
    }

    @Test
    void aWholeBdatTransactionInOneWriteIsAnsweredInOrder() throws Exception {
        int port = start();
        List<String> replies = Clients.exchange(port, "EHLO client.test\r\nMAIL FROM:<s@client.test>\r\nRCPT TO:<alice@localhost>\r\n"
                + "BDAT 22\r\nSubject: bdat\r\n\r\nhelloBDAT 8 LAST\r\n world\r\nMAIL FROM:<s@client.test>\r\nQUIT\r\n");
        assertEquals(List.of("220", "250", "250", "250", "250", "250", "250", "221"), replies.stream().map(l -> l.substring(0, 3)).toList(),
                replies.toString());
        assertTrue(replies.get(4).startsWith("250 2.0.0 22 octets received"), replies.toString());
        assertTrue(queue.committed.get(0).content().endsWith("Subject: bdat\r\n\r\nhello world\r\n"), queue.committed.get(0).content());
    }

    /** A smuggling attempt written a byte at a time, so the server sees it across many network reads. */
    @Test
    void smugglingIsCaughtWhateverTheNetworkSplits() throws Exception {
        int port = start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("EHLO client.test\r\nMAIL FROM:<s@client.test>\r\nRCPT TO:<alice@localhost>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            do {
                line = Clients.readLine(s.getInputStream());
            } while (!line.startsWith("354"));
            byte[] payload = ("Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@client.test>\r\nRCPT TO:<bob@localhost>\r\nDATA\r\n"
                    + "evil\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < payload.length; i++) {
                out.write(payload[i]);
                out.flush();
                if (i % 4 == 0) {
                    Thread.sleep(1);
                }
            }
            assertTrue(Clients.readLine(s.getInputStream()).startsWith("550 5.6.11"));
            assertTrue(Clients.readLine(s.getInputStream()).startsWith("221"));
        }
        assertTrue(queue.committed.isEmpty(), "neither the message nor the smuggled one was queued");
    }

    @Test
    void aClientSilentDuringDataIsToldAndTheMessageDropped() throws Exception {
        int port = start("dataTimeoutSeconds", 1);
        List<String> replies = Clients.exchange(port, "EHLO client.test\r\nMAIL FROM:<s@client.test>\r\nRCPT TO:<alice@localhost>\r\n"
                + "DATA\r\nSubject: half\r\n\r\nand then nothing");
        assertTrue(replies.get(replies.size() - 1).startsWith("421 4.4.2"), replies.toString());
        assertTrue(queue.committed.isEmpty());
        assertTrue(waitFor(() -> queue.discarded.get() == 1), "the half message was discarded");
    }

    @Test
    void aListenerThatClosesTellsItsClients421() throws Exception {
        int port = start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            assertTrue(Clients.readLine(s.getInputStream()).startsWith("220"));
            listener.close();
            listener = null;
            assertTrue(Clients.readLine(s.getInputStream()).startsWith("421 4.3.2"));
            assertEquals(null, Clients.readLine(s.getInputStream()));
        }
    }

    @Test
    void aSilentClientIsToldAndDisconnected() throws Exception {
        int port = start("commandTimeoutSeconds", 1);
        long start = System.nanoTime();
        List<String> replies = Clients.exchange(port, "");
        assertEquals(2, replies.size(), replies.toString());
        assertTrue(replies.get(1).startsWith("421 4.4.2"), replies.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4));
    }

    @Test
    void trustedClientsAreNotHeldToThePerClientLimit() throws Exception {
        int port = start("maxConnectionsPerClient", 1, "trustedNetworks", "127.0.0.0/8");
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port)) {
            first.setSoTimeout(5_000);
            assertTrue(Clients.readLine(first.getInputStream()).startsWith("220"));
            assertTrue(Clients.exchange(port, "QUIT\r\n").get(0).startsWith("220"));
        }
    }

    @Test
    void connectionsBeyondThePerClientLimitGet421() throws Exception {
        int port = start("maxConnectionsPerClient", 1, "trustedNetworks", "10.0.0.0/8");
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port)) {
            first.setSoTimeout(5_000);
            assertTrue(Clients.readLine(first.getInputStream()).startsWith("220"));
            List<String> second = Clients.exchange(port, "");
            assertEquals(1, second.size());
            assertTrue(second.get(0).startsWith("421 4.7.0"), second.toString());
        }
        // Once the first has gone, the client may come back.
        assertTrue(waitForFreeSlot(port));
    }

    private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 50 && !condition.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    private boolean waitForFreeSlot(int port) throws Exception {
        for (int i = 0; i < 50; i++) {
            if (Clients.exchange(port, "QUIT\r\n").get(0).startsWith("220")) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
