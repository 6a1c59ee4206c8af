package org.carrier.it;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A real SMTP peer for tests, on 127.0.0.1: it accepts every message and keeps it,
 * with its envelope, for the test to inspect. Each connection is served on its own thread.
 * It keeps to one transaction at a time as Postfix's smtpd does: a MAIL inside an open transaction is
 * {@code 503 5.5.1 nested MAIL command}, DATA without an accepted recipient {@code 554 5.5.1}; RSET and the
 * end of the data close the transaction. {@link #refusing} makes one that refuses some recipients.
 */
public final class SmtpSink implements Closeable {

    /** A message as the sink received it. */
    public record Received(String from, List<String> to, String content) {
    }

    private final ServerSocket server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Set<String> refused;
    private final boolean pipelining;
    private final AtomicInteger nestedMail = new AtomicInteger();
    private final AtomicInteger tlsSessions = new AtomicInteger();
    private final AtomicInteger openTransactions = new AtomicInteger();
    private final AtomicInteger mostOpenTransactions = new AtomicInteger();
    private volatile SSLContext tls;
    private volatile long dataReplyDelayMillis;
    private volatile boolean eightBitMime = true;

    public SmtpSink() throws IOException {
        this(InetAddress.getLoopbackAddress(), 0);
    }

    /** A sink on a given loopback address and port (0: any free one), e.g. 127.0.0.11 standing for an MX host. */
    public SmtpSink(InetAddress address, int port) throws IOException {
        this(address, port, Set.of(), false);
    }

    /**
     * A sink on 127.0.0.1 that offers PIPELINING (RFC 2920) and answers RCPT TO with {@code 550 5.1.1} for each of
     * {@code addresses}.
     */
    public static SmtpSink refusing(String... addresses) throws IOException {
        return new SmtpSink(InetAddress.getLoopbackAddress(), 0, Set.of(addresses), true);
    }

    private SmtpSink(InetAddress address, int port, Set<String> refused, boolean pipelining) throws IOException {
        this.refused = refused;
        this.pipelining = pipelining;
        server = new ServerSocket(port, 50, address);
        thread = new Thread(this::serve, "smtp-sink-" + server.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code ADDRESS:PORT} as a route's nextHops names this sink. */
    public String hostAndPort() {
        return server.getInetAddress().getHostAddress() + ":" + port();
    }

    /** Stops offering 8BITMIME (RFC 6152): a client must convert 8-bit mail to 7-bit for this sink. */
    public SmtpSink withoutEightBitMime() {
        eightBitMime = false;
        return this;
    }

    /** Offers STARTTLS (RFC 3207) with this server context from now on. */
    public SmtpSink withStartTls(SSLContext context) {
        this.tls = context;
        return this;
    }

    /** Answers the end of each message's data only after {@code millis}, as a busy receiver does, from now on. */
    public SmtpSink withDataReplyDelay(long millis) {
        this.dataReplyDelayMillis = millis;
        return this;
    }

    /**
     * The most transactions that were open at once, each from its MAIL command to the reply to its data (or RSET, or
     * the end of the session): what a client's limit on concurrent deliveries to this host bounds. (Connections are
     * not counted: a client's closing one and its next may overlap here by a moment.)
     */
    public int mostConcurrentTransactions() {
        return mostOpenTransactions.get();
    }

    /** How many sessions went through STARTTLS. */
    public int tlsSessions() {
        return tlsSessions.get();
    }

    /** How many MAIL commands came inside an open transaction (each answered 503). */
    public int nestedMailCommands() {
        return nestedMail.get();
    }

    /** The next message received, waiting at most {@code seconds}; null if none came. */
    public Received next(int seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    /** Accepts until closed; each session on its own thread, so a stalled or killed client blocks no other. */
    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread session = new Thread(() -> serveSession(s), "smtp-sink-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void serveSession(Socket s) {
        try (s) {
            s.setSoTimeout(30_000);
            session(s);
        } catch (IOException e) {
            // a broken session (e.g. the client was killed: connection reset); the sink keeps serving
        }
    }

    private void transactionOpened() {
        mostOpenTransactions.accumulateAndGet(openTransactions.incrementAndGet(), Math::max);
    }

    private void session(Socket s) throws IOException {
        boolean[] open = {false};
        try {
            session(s, open);
        } finally {
            if (open[0]) {
                openTransactions.decrementAndGet();
            }
        }
    }

    /** One session; {@code open[0]} says whether a transaction is open (counted in {@link #openTransactions}). */
    private void session(Socket s, boolean[] open) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        boolean secured = false;
        say(out, "220 sink.test ESMTP test sink");
        String from = null;
        List<String> to = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            String upper = line.toUpperCase();
            if (upper.startsWith("EHLO")) {
                String startTls = tls != null && !secured ? "250-STARTTLS\r\n" : "";
                String last = eightBitMime ? "250 8BITMIME" : "250 HELP";
                say(out, pipelining ? "250-sink.test\r\n" + startTls + "250-PIPELINING\r\n" + last
                        : "250-sink.test\r\n" + startTls + last);
            } else if (upper.equals("STARTTLS") && tls != null && !secured) {
                say(out, "220 2.0.0 ready");
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(s, null, true);
                secure.setUseClientMode(false);
                secure.startHandshake();
                s = secure;
                in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                out = s.getOutputStream();
                secured = true;
                tlsSessions.incrementAndGet();
                from = null;
                to = new ArrayList<>();
            } else if (upper.startsWith("RSET")) {
                if (open[0]) {
                    openTransactions.decrementAndGet();
                    open[0] = false;
                }
                from = null;
                to = new ArrayList<>();
                say(out, "250 ok");
            } else if (upper.startsWith("HELO") || upper.startsWith("NOOP")) {
                say(out, "250 ok");
            } else if (upper.startsWith("MAIL FROM:") && from != null) {
                nestedMail.incrementAndGet();
                say(out, "503 5.5.1 Error: nested MAIL command");
            } else if (upper.startsWith("MAIL FROM:")) {
                transactionOpened();
                open[0] = true;
                from = between(line);
                to = new ArrayList<>();
                say(out, "250 2.1.0 ok");
            } else if (upper.startsWith("RCPT TO:") && from == null) {
                say(out, "503 5.5.1 Error: need MAIL command");
            } else if (upper.startsWith("RCPT TO:") && refused.contains(between(line))) {
                say(out, "550 5.1.1 <" + between(line) + ">: Recipient address rejected: no such user");
            } else if (upper.startsWith("RCPT TO:")) {
                to.add(between(line));
                say(out, "250 2.1.5 ok");
            } else if (upper.equals("DATA") && to.isEmpty()) {
                say(out, from == null ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
            } else if (upper.equals("DATA")) {
                say(out, "354 go ahead");
                Received message = new Received(from, to, readData(in));
                pause(dataReplyDelayMillis);
                openTransactions.decrementAndGet();
                open[0] = false;
                received.add(message);
                from = null; // the transaction is over: a DATA without a new MAIL and RCPT gets 503
                to = new ArrayList<>();
                say(out, "250 2.0.0 ok: kept by sink");
            } else if (upper.startsWith("QUIT")) {
                say(out, "221 2.0.0 bye");
                return;
            } else {
                say(out, "502 5.5.1 not here");
            }
        }
    }

    private static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String readData(BufferedReader in) throws IOException {
        StringBuilder content = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null && !line.equals(".")) {
            content.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        return content.toString();
    }

    private static String between(String line) {
        int lt = line.indexOf('<');
        int gt = line.indexOf('>', lt + 1);
        return lt < 0 || gt < 0 ? "" : line.substring(lt + 1, gt);
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
