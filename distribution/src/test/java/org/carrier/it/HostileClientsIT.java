package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients against the started distribution (issue 23, items 2, 3 and 12): a byte now and then does not
 * extend the command or the DATA deadline, one address cannot take every slot, trusted clients keep theirs,
 * password guessing from one address is locked out across sessions, and a listener setting of the wrong type is one
 * clear log line while the listener goes on. Loopback addresses stand for hosts: 127.0.0.1 is trusted, others not.
 */
class HostileClientsIT {
    private static final String USER = "alice@example.org";
    private static final String PASSWORD = "correct horse";
    private static final InetAddress TRUSTED = ip("127.0.0.1");
    private static final InetAddress GUESSER = ip("127.0.0.2");
    private static RunningCarrier carrier;
    /** Short deadlines: commandTimeoutSeconds = dataTimeoutSeconds = 3; 20 slots, 5 of them for trusted clients. */
    private static int slowPort;
    /** AUTH without TLS (to keep the client simple), lockout after the default 10 failures. */
    private static int authPort;
    private static String slowConfig;

    @BeforeAll
    static void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-hostile-"));
        slowPort = Distribution.freePort();
        authPort = Distribution.freePort();
        slowConfig = "name = slow\nbindAddress = 127.0.0.1\nport = " + slowPort + "\ntrustedNetworks = 127.0.0.1/32\n"
                + "commandTimeoutSeconds = 3\ndataTimeoutSeconds = 3\nmaxConnections = 20\nreservedTrustedConnections = 5\n"
                + "maxConnectionsPerClient = 10\nusersFile =\n";
        carrier.configure("org.carrier.smtp.listener-slow.cfg", slowConfig);
        String hash = carrier.bin("carrier-passwd", PASSWORD + "\n", USER).out().trim();
        carrier.configure("guessing-users.properties", hash + "\n");
        carrier.configure("org.carrier.smtp.listener-auth.cfg", "name = auth\nbindAddress = 127.0.0.1\nport = " + authPort
                + "\ntrustedNetworks = 127.0.0.1/32\nrequireTlsForAuth = false\nusersFile = config/guessing-users.properties\n");
        carrier.start();
        assertTrue(Distribution.waitFor(30, () -> Distribution.accepts(slowPort) && Distribution.accepts(authPort)),
                "the extra listeners answer:\n" + carrier.console());
    }

    @AfterAll
    static void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    void aCommandLineTrickledAByteEveryHalfSecondIsCutOffAtTheCommandDeadline() throws Exception {
        try (Socket s = connect(ip("127.0.0.4"), slowPort)) {
            assertTrue(readLine(s).startsWith("220"));
            assertCutOffAtTheDeadline(s, "command phase", "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP");
            assertEquals(null, readLine(s), "and the connection is closed");
        }
    }

    @Test
    void dataTrickledAByteEveryHalfSecondIsCutOffAtTheDataDeadline() throws Exception {
        try (Socket s = connect(ip("127.0.0.4"), slowPort)) {
            readLine(s);
            for (String command : List.of("HELO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<postmaster@localhost>")) {
                assertTrue(command(s, command).startsWith("250"), command);
            }
            assertTrue(command(s, "DATA").startsWith("354"));
            assertCutOffAtTheDeadline(s, "DATA phase", "Subject: slow\r\n\r\nOne byte at a time.\r\n");
        }
    }

    @Test
    void oneAddressCannotTakeEverySlotAndTrustedClientsStillGetOne() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            InetAddress flooder = ip("127.0.0.5");
            for (int i = 0; i < 10; i++) {
                held.add(connect(flooder, slowPort));
                assertTrue(readLine(held.get(i)).startsWith("220"), "connection " + i);
            }
            Socket overPerClient = connect(flooder, slowPort);
            held.add(overPerClient);
            assertTrue(readLine(overPerClient).matches("421 4\\.7\\.0 .*too many connections from 127\\.0\\.0\\.5.*"),
                    "the 11th from one address is refused (maxConnectionsPerClient = 10)");
            InetAddress second = ip("127.0.0.6");
            for (int i = 0; i < 5; i++) {
                Socket s = connect(second, slowPort);
                held.add(s);
                assertTrue(readLine(s).startsWith("220"), "second address, connection " + i);
            }
            Socket overUntrusted = connect(ip("127.0.0.7"), slowPort);
            held.add(overUntrusted);
            assertTrue(readLine(overUntrusted).startsWith("421 4.7.0"), "15 untrusted slots of 20 are taken");
            for (int i = 0; i < 2; i++) {
                Socket trusted = connect(TRUSTED, slowPort);
                held.add(trusted);
                assertTrue(readLine(trusted).startsWith("220"), "a trusted client still gets a slot");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        String log = carrier.awaitLog("listener slow: stress over");
        assertTrue(log.contains("listener slow: under stress: 12 of 15 untrusted connection slots taken"), log);
    }

    @Test
    void guessingFromOneAddressIsLockedOutAcrossSessionsWhileOtherAddressesLogIn() throws Exception {
        int sessions = 6;
        long seconds = 20;
        AtomicInteger guesses = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger notConnected = new AtomicInteger();
        AtomicInteger found = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService guessers = Executors.newFixedThreadPool(sessions);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < sessions; t++) {
                int thread = t;
                running.add(guessers.submit(() -> {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        // The last guess of each session is the right password: found only if the lockout lets it through.
                        String password = i % 25 == 24 ? PASSWORD : "guess-" + thread + "-" + i;
                        String reply = guess(password);
                        if (reply.startsWith("454")) {
                            refused.incrementAndGet();
                        } else if (reply.startsWith("421")) {
                            notConnected.incrementAndGet();
                        } else {
                            guesses.incrementAndGet();
                            if (reply.startsWith("235")) {
                                found.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(seconds + 30, TimeUnit.SECONDS);
            }
        } finally {
            guessers.shutdownNow();
        }
        Thread.sleep(2_000); // checks still running when the clients gave up are logged by now
        // The server's count: the client gives up on a guess after 300 ms, not knowing whether it was checked.
        int checked = carrier.awaitLog("AUTH failed").split("AUTH failed from \\[127\\.0\\.0\\.2]", -1).length - 1;
        System.out.printf("%d parallel sessions from one address for %d s: %d passwords checked (the server's log), "
                + "%d attempts answered or given up on, %d refused with 454, %d connections refused with 421, password found "
                + "%d times%n", sessions, seconds, checked, guesses.get(), refused.get(), notConnected.get(), found.get());
        assertTrue(checked <= 10 + sessions, checked + " passwords checked; the lockout comes at 10");
        assertTrue(refused.get() > 0, "attempts past the limit get 454");
        assertEquals(0, found.get(), "the right password is refused from that address during the lockout");
        assertTrue(authenticate(GUESSER, PASSWORD).startsWith("454 4.7.0"), "still locked out");
        assertTrue(authenticate(ip("127.0.0.3"), PASSWORD).startsWith("235 2.7.0"), "another address logs in");
        String log = carrier.awaitLog("AUTH locked out for client [127.0.0.2]");
        assertEquals(1, log.split("AUTH locked out for client \\[127\\.0\\.0\\.2]", -1).length - 1, "logged once per lockout");
    }

    @Test
    void aPortThatIsNotANumberIsOneClearLineAndAFailedRebindLeavesNoSpuriousError() throws Exception {
        String file = "org.carrier.smtp.listener-slow.cfg";
        carrier.configure(file, slowConfig.replace("port = " + slowPort, "port = abc"));
        String log = carrier.awaitLog("port: \"abc\" is not a whole number");
        assertTrue(log.matches("(?s).*" + file.replace(".", "\\.") + "\\): port: \"abc\" is not a whole number; "
                + "the listener keeps its last good settings.*"), log);
        assertFalse(log.contains("NumberFormatException"), log);
        try (Socket s = connect(TRUSTED, slowPort)) {
            assertTrue(readLine(s).startsWith("220"), "the listener still answers");
        }

        // A port already in use (the default listener's): refused, the old socket kept; then back to the old port.
        carrier.configure(file, slowConfig.replace("port = " + slowPort, "port = " + carrier.smtpPort));
        String inUse = carrier.awaitLog("cannot listen on 127.0.0.1:" + carrier.smtpPort);
        assertTrue(inUse.contains("the listener keeps its last good settings"), inUse);
        int errorsBefore = inUse.split("cannot listen on", -1).length;
        carrier.configure(file, slowConfig);
        Thread.sleep(4_000); // FileInstall polls every 2 s: the restored file is read by now
        String after = carrier.awaitLog("cannot listen on");
        assertEquals(errorsBefore, after.split("cannot listen on", -1).length, "no new 'Address already in use' when restoring");
        try (Socket s = connect(TRUSTED, slowPort)) {
            assertTrue(readLine(s).startsWith("220"), "the listener answers on its port");
        }
    }

    /**
     * One session from {@link #GUESSER} with one guess; gives up after 300 ms as a guesser does (a failure is slow).
     * Abandoned sessions hold their slot until their failure delay is over, so the per-client connection limit
     * refuses some connections too (421 at connect).
     */
    private static String guess(String password) {
        try (Socket s = connect(GUESSER, authPort)) {
            String greeting = readLine(s);
            if (greeting == null || !greeting.startsWith("220")) {
                return "421 at connect";
            }
            ehlo(s);
            write(s, "AUTH PLAIN " + plain(password));
            s.setSoTimeout(300);
            try {
                return readLine(s);
            } catch (SocketTimeoutException slow) {
                return "535 (not waited for)";
            }
        } catch (IOException e) {
            return "421 at connect (" + e + ")";
        }
    }

    private static String authenticate(InetAddress from, String password) throws IOException {
        try (Socket s = connect(from, authPort)) {
            readLine(s);
            ehlo(s);
            write(s, "AUTH PLAIN " + plain(password));
            return readLine(s);
        }
    }

    private static String plain(String password) {
        return Base64.getEncoder().encodeToString(("\0" + USER + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void ehlo(Socket s) throws IOException {
        write(s, "EHLO client.test");
        String line;
        do {
            line = readLine(s);
        } while (line != null && line.startsWith("250-"));
    }

    private static Socket connect(InetAddress from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void write(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static String command(Socket s, String line) throws IOException {
        write(s, line);
        return readLine(s);
    }

    /** Trickles {@code text} and expects 421 4.4.2 at the 3 s deadline, not later for all the bytes that came. */
    private static void assertCutOffAtTheDeadline(Socket s, String phase, String text) throws IOException {
        long started = System.nanoTime();
        String reply = trickle(s, text);
        double took = secondsSince(started);
        System.out.printf("%s, a byte every 0.5 s: %s after %.1f s%n", phase, reply, took);
        assertTrue(reply != null && reply.startsWith("421 4.4.2"), phase + ": got " + reply);
        assertTrue(took >= 2.9 && took < 4.5, phase + ": 421 after " + took + " s, not at the 3 s deadline");
    }

    /** Sends {@code text} a byte every 0.5 s until the server answers or closes (at most 30 s); returns its line. */
    private static String trickle(Socket s, String text) throws IOException {
        s.setSoTimeout(500);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; System.nanoTime() < end; i = (i + 1) % text.length()) {
            try {
                out.write(text.charAt(i));
            } catch (IOException closed) {
                break;
            }
            try {
                int b = in.read();
                s.setSoTimeout(5_000);
                return b < 0 ? null : (char) b + readLine(s);
            } catch (SocketTimeoutException quiet) {
                // no answer yet: the next byte
            }
        }
        s.setSoTimeout(5_000);
        return readLine(s);
    }

    /** One line without CRLF, or null at the end of the stream. */
    private static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return b == -1 && line.length() == 0 ? null : line.toString();
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
