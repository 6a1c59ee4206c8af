package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slow clients against a real listener: timeouts are deadlines a byte now and then does not extend, DATA has its own,
 * one client address gets only so many slots, trusted clients keep theirs, and a listener near its limit gives idle
 * untrusted clients the short stress timeout. Loopback addresses stand for different hosts.
 */
class SlowClientsTest {
    private static final InetAddress TRUSTED = address("127.0.0.1");
    private static final InetAddress CLIENT = address("127.0.0.2");
    private static final InetAddress OTHER = address("127.0.0.3");

    private final TestServices services = new TestServices();
    private final List<Socket> sockets = new ArrayList<>();
    private SmtpListener listener;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    private int start(Object... changes) throws IOException {
        Object[] all = new Object[changes.length + 2];
        all[0] = "trustedNetworks";
        all[1] = "127.0.0.1/32";
        System.arraycopy(changes, 0, all, 2, changes.length);
        listener = new SmtpListener(TestSettings.of(all), services);
        return listener.port();
    }

    private Socket connect(InetAddress from, int port) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(TRUSTED, port), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String send(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return Clients.readLine(s.getInputStream());
    }

    /** Sends {@code text} a byte every {@code pauseMillis} until the server replies or closes (at most 10 s); returns that line. */
    private static String trickle(Socket s, String text, long pauseMillis) throws IOException, InterruptedException {
        s.setSoTimeout((int) pauseMillis);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; System.nanoTime() < end; i = (i + 1) % text.length()) {
            try {
                out.write(text.charAt(i));
            } catch (IOException closed) {
                break; // the server closed first; its reply is still to be read
            }
            try {
                int b = in.read();
                s.setSoTimeout(5_000);
                return b < 0 ? null : (char) b + Clients.readLine(in);
            } catch (SocketTimeoutException quiet) {
                // nothing yet: the next byte
            }
        }
        s.setSoTimeout(5_000);
        return Clients.readLine(in);
    }

    /** Trickles {@code text} a byte every 250 ms and expects 421 4.4.2 two seconds after {@code since}, not later. */
    private static void assertCutOffAfterTwoSeconds(Socket s, String text, String since) throws IOException, InterruptedException {
        long started = System.nanoTime();
        String reply = trickle(s, text, 250);
        double took = secondsSince(started);
        assertTrue(reply != null && reply.startsWith("421 4.4.2"), "got " + reply);
        assertTrue(took >= 1.9 && took < 3.0, "the 421 came " + took + " s after " + since + ", not 2 s");
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    @Test
    void aCommandLineMustBeCompleteWithinTheCommandTimeoutHoweverSlowItsBytesCome() throws Exception {
        int port = start("commandTimeoutSeconds", 2);
        Socket s = connect(CLIENT, port);
        assertTrue(Clients.readLine(s.getInputStream()).startsWith("220"));
        assertCutOffAfterTwoSeconds(s, "NOOPNOOPNOOP", "the greeting");
        assertNull(Clients.readLine(s.getInputStream()), "the server closed the connection");
    }

    @Test
    void theWholeDataContentMustComeWithinTheDataTimeout() throws Exception {
        int port = start("commandTimeoutSeconds", 10, "dataTimeoutSeconds", 2);
        Socket s = connect(CLIENT, port);
        Clients.readLine(s.getInputStream());
        assertTrue(send(s, "HELO client.test").startsWith("250"));
        assertTrue(send(s, "MAIL FROM:<a@client.test>").startsWith("250"));
        assertTrue(send(s, "RCPT TO:<bob@localhost>").startsWith("250"));
        assertTrue(send(s, "DATA").startsWith("354"));
        assertCutOffAfterTwoSeconds(s, "Subject: slow\r\n\r\nbody\r\n", "the 354");
        assertTrue(services.queue.committed.isEmpty(), "nothing was queued");
    }

    @Test
    void aClientIdleInDataGetsTheDataTimeoutNotTheCommandTimeout() throws Exception {
        int port = start("commandTimeoutSeconds", 10, "dataTimeoutSeconds", 1);
        Socket s = connect(CLIENT, port);
        Clients.readLine(s.getInputStream());
        send(s, "HELO client.test");
        send(s, "MAIL FROM:<a@client.test>");
        send(s, "RCPT TO:<bob@localhost>");
        assertTrue(send(s, "DATA").startsWith("354"));
        long started = System.nanoTime();
        String reply = Clients.readLine(s.getInputStream());
        double took = secondsSince(started);
        assertTrue(reply.startsWith("421 4.4.2"), reply);
        assertTrue(took >= 0.9 && took < 2.0, "the 421 came " + took + " s after the 354, not 1 s");
    }

    @Test
    void eachBdatChunkMustComeWithinTheDataTimeout() throws Exception {
        int port = start("commandTimeoutSeconds", 10, "dataTimeoutSeconds", 2);
        Socket s = connect(CLIENT, port);
        Clients.readLine(s.getInputStream());
        assertTrue(send(s, "EHLO client.test").startsWith("250"));
        while (Clients.readLine(s.getInputStream()).startsWith("250-")) {
            // the rest of the EHLO reply
        }
        send(s, "MAIL FROM:<a@client.test>");
        send(s, "RCPT TO:<bob@localhost>");
        s.getOutputStream().write("BDAT 1000 LAST\r\n".getBytes(StandardCharsets.US_ASCII));
        assertCutOffAfterTwoSeconds(s, "x", "BDAT");
    }

    @Test
    void oneClientAddressGetsAtMostItsConnectionsAndOthersStillConnect() throws Exception {
        int port = start("maxConnectionsPerClient", 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(Clients.readLine(connect(CLIENT, port).getInputStream()).startsWith("220"));
        }
        String refused = Clients.readLine(connect(CLIENT, port).getInputStream());
        assertEquals("421 4.7.0 " + TestSettings.HOSTNAME + " Error: too many connections from 127.0.0.2, try again later", refused);
        assertTrue(Clients.readLine(connect(OTHER, port).getInputStream()).startsWith("220"), "another address still connects");
    }

    @Test
    void untrustedClientsCannotTakeTheSlotsReservedForTrustedOnes() throws Exception {
        int port = start("maxConnections", 6, "reservedTrustedConnections", 2, "maxConnectionsPerClient", 10);
        for (int i = 0; i < 4; i++) {
            assertTrue(Clients.readLine(connect(CLIENT, port).getInputStream()).startsWith("220"));
        }
        assertTrue(Clients.readLine(connect(OTHER, port).getInputStream()).startsWith("421 4.7.0"),
                "the untrusted slots are full");
        for (int i = 0; i < 2; i++) {
            assertTrue(Clients.readLine(connect(TRUSTED, port).getInputStream()).startsWith("220"), "trusted client " + i);
        }
        assertTrue(Clients.readLine(connect(TRUSTED, port).getInputStream()).startsWith("421 4.7.0"), "every slot is taken");
    }

    @Test
    void underStressIdleUntrustedClientsGetTheStressTimeoutAndTrustedOnesDoNot() throws Exception {
        int port = start("maxConnections", 10, "reservedTrustedConnections", 0, "maxConnectionsPerClient", 10,
                "commandTimeoutSeconds", 30, "stressTimeoutSeconds", 1);
        Socket trusted = connect(TRUSTED, port);
        assertTrue(Clients.readLine(trusted.getInputStream()).startsWith("220"));
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // 80% of the 10 slots: stress
            Socket s = connect(CLIENT, port);
            assertTrue(Clients.readLine(s.getInputStream()).startsWith("220"));
            idle.add(s);
        }
        // Stress ends below 70%: the idle sessions are closed until no more than 6 of 10 slots are taken.
        long stressed = System.nanoTime();
        List<Socket> open = new ArrayList<>(idle);
        while (open.size() > 6 && secondsSince(stressed) < 3.0) {
            for (Socket s : List.copyOf(open)) {
                s.setSoTimeout(50);
                try {
                    String reply = Clients.readLine(s.getInputStream());
                    assertTrue(reply.startsWith("421 4.4.2"), reply);
                    open.remove(s);
                } catch (SocketTimeoutException stillOpen) {
                    // not this one (yet)
                }
            }
        }
        assertTrue(open.size() <= 6, open.size() + " of 8 idle sessions still open 3 s after stress began (stress timeout 1 s)");
        assertTrue(send(trusted, "NOOP").startsWith("250"), "the trusted session goes on");
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
