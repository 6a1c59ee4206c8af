import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The benchmark's own SMTP load generator and discard sink, for the shapes smtp-source and smtp-sink cannot drive:
 * STARTTLS (RFC 3207) and messages with recipients in many domains. One file, run with the JDK's source launcher
 * ({@code java BenchSmtp.java ...}), no build step. Blocking sockets and one platform thread per session: the
 * work per message is a few writes and reads, so 50 threads keep 50 sessions busy without being the bottleneck
 * (the bench measures this generator straight into the sink as the ceiling).
 *
 * <pre>
 * java BenchSmtp.java source PORT SESSIONS MESSAGES SIZE [--tls] [--rcpts N] [--domains D] [--rcpt-domain DOMAIN]
 *     one message per session, SESSIONS at once; prints "start EPOCH_SECONDS" when the first session opens and
 *     "sent OK of MESSAGES" at the end (exit 1 when a message was refused or a session failed)
 *     --rcpts N --domains D: N recipients a message, u{m}@d{k}.DOMAIN over D domains (k = (m * N + j) % D + 1)
 * java BenchSmtp.java sink PORT [--tls KEYSTORE.p12 PASSWORD]
 *     accepts every message and discards it; prints "mesg=COUNT sessions=S tls=T" whenever a count changed (every
 *     100 ms at most): messages, sessions, and sessions that went over to TLS
 * </pre>
 * TLS is TLS 1.3 with TLS_AES_128_GCM_SHA256 at both ends, so each MTA negotiates the same cipher with it.
 */
public class BenchSmtp {
    private static final String PROTOCOL = "TLSv1.3";
    private static final String CIPHER = "TLS_AES_128_GCM_SHA256";

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("source")) {
            System.exit(source(args));
        } else if (args.length >= 2 && args[0].equals("sink")) {
            sink(args);
        } else {
            System.err.println("usage: see the comment at the top of BenchSmtp.java");
            System.exit(2);
        }
    }

    // --- load generator ---

    private static int source(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        int sessions = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        boolean tls = false;
        int rcpts = 1;
        int domains = 1;
        String rcptDomain = "relay.test";
        for (int i = 5; i < args.length; i++) {
            switch (args[i]) {
                case "--tls" -> tls = true;
                case "--rcpts" -> rcpts = Integer.parseInt(args[++i]);
                case "--domains" -> domains = Integer.parseInt(args[++i]);
                case "--rcpt-domain" -> rcptDomain = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        byte[] body = body(size);
        SSLSocketFactory tlsFactory = tls ? trustingContext().getSocketFactory() : null;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        String firstError[] = new String[1];
        Client client = new Client(port, tlsFactory, body, rcpts, domains, rcptDomain);
        System.out.println(String.format(java.util.Locale.ROOT, "start %.3f", System.currentTimeMillis() / 1000.0));
        System.out.flush();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < sessions; t++) {
            Thread thread = new Thread(() -> {
                for (int m; (m = next.getAndIncrement()) < messages; ) {
                    try {
                        client.send(m);
                        accepted.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        failed.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0] == null) firstError[0] = "message " + m + ": " + e.getMessage();
                        }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) thread.join();
        System.out.println("sent " + accepted.get() + " of " + messages
                + (firstError[0] == null ? "" : "; " + failed.get() + " failed, first: " + firstError[0]));
        return failed.get() == 0 ? 0 : 1;
    }

    private static byte[] body(int size) {
        StringBuilder line = new StringBuilder();
        while (line.length() < 76) line.append("0123456789abcdefghijklmnopqrstuvwxyz");
        String text = line.substring(0, 76) + "\r\n";
        StringBuilder b = new StringBuilder(size + 80);
        while (b.length() < size) b.append(text);
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A bench client only: the MTAs under test present certificates made for this run, not worth checking here. */
    private static SSLContext trustingContext() throws Exception {
        TrustManager trustAll = new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String type) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String type) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trustAll}, null);
        return context;
    }

    private record Client(int port, SSLSocketFactory tls, byte[] body, int rcpts, int domains, String rcptDomain) {
        void send(int m) throws IOException {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
                plain.setSoTimeout(120_000);
                plain.setTcpNoDelay(true);
                Socket socket = plain;
                Lines in = new Lines(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                expect(in, "220");
                command(out, in, "EHLO source.bench.test", "250");
                if (tls != null) {
                    command(out, in, "STARTTLS", "220");
                    SSLSocket secure = (SSLSocket) tls.createSocket(plain, "127.0.0.1", port, true);
                    secure.setEnabledProtocols(new String[] {PROTOCOL});
                    secure.setEnabledCipherSuites(new String[] {CIPHER});
                    secure.startHandshake();
                    socket = secure;
                    in = new Lines(socket.getInputStream());
                    out = socket.getOutputStream();
                    command(out, in, "EHLO source.bench.test", "250");
                }
                command(out, in, "MAIL FROM:<sender@bench.test>", "250");
                StringBuilder to = new StringBuilder();
                for (int j = 0; j < rcpts; j++) {
                    String rcpt = domains > 1 ? "u" + m + "@d" + ((m * rcpts + j) % domains + 1) + "." + rcptDomain
                            : "rcpt" + j + "@" + rcptDomain;
                    command(out, in, "RCPT TO:<" + rcpt + ">", "250");
                    to.append(j == 0 ? "" : ",\r\n ").append('<').append(rcpt).append('>');
                }
                command(out, in, "DATA", "354");
                String header = "From: <sender@bench.test>\r\nTo: " + to + "\r\nSubject: bench message " + m
                        + "\r\nMessage-ID: <" + m + "." + System.nanoTime() + "@source.bench.test>\r\n"
                        + "Date: Mon, 7 Dec 2026 08:00:00 +0000\r\n\r\n";
                out.write(header.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, "250");
                command(out, in, "QUIT", "221");
            }
        }

        private static void command(OutputStream out, Lines in, String line, String code) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = expect(in, code);
            if (reply == null) throw new IOException(line + ": no reply");
        }

        /** Reads one reply (RFC 5321 §4.2.1: "ddd-" lines continue it) and checks its code. */
        private static String expect(Lines in, String code) throws IOException {
            String line;
            do {
                line = in.line();
                if (line == null) throw new IOException("connection closed, " + code + " expected");
            } while (line.length() > 3 && line.charAt(3) == '-');
            if (!line.startsWith(code)) throw new IOException("got " + line + ", " + code + " expected");
            return line;
        }
    }

    /** Lines ending in CRLF (or LF), read through one buffer. */
    private static final class Lines {
        private final InputStream in;
        private final byte[] buffer = new byte[16384];
        private int start;
        private int end;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Lines(InputStream in) {
            this.in = in;
        }

        /** The next line without its line end, null at the end of input. */
        String line() throws IOException {
            partial.reset();
            while (true) {
                if (start == end) {
                    int n = in.read(buffer);
                    if (n < 0) return partial.size() == 0 ? null : partial.toString(StandardCharsets.ISO_8859_1);
                    start = 0;
                    end = n;
                }
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        partial.write(buffer, start, i - start);
                        start = i + 1;
                        String s = partial.toString(StandardCharsets.ISO_8859_1);
                        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                    }
                }
                partial.write(buffer, start, end - start);
                start = end;
            }
        }
    }

    // --- sink ---

    private static void sink(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        SSLSocketFactory tls = null;
        if (args.length >= 5 && args[2].equals("--tls")) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            char[] password = args[4].toCharArray();
            try (FileInputStream file = new FileInputStream(args[3])) {
                keys.load(file, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            tls = context.getSocketFactory();
        }
        Counts counts = new Counts(new AtomicLong(), new AtomicLong(), new AtomicLong());
        Thread reporter = new Thread(() -> report(counts));
        reporter.setDaemon(true);
        reporter.start();
        SSLSocketFactory factory = tls;
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            while (true) {
                Socket socket = server.accept();
                Thread session = new Thread(() -> serve(socket, factory, counts));
                session.setDaemon(true);
                session.start();
            }
        }
    }

    private record Counts(AtomicLong messages, AtomicLong sessions, AtomicLong tls) { }

    private static void report(Counts counts) {
        String printed = "";
        while (true) {
            String now = "mesg=" + counts.messages.get() + " sessions=" + counts.sessions.get() + " tls=" + counts.tls.get();
            if (!now.equals(printed)) {
                System.out.println(now);
                System.out.flush();
                printed = now;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void serve(Socket plain, SSLSocketFactory tls, Counts counts) {
        try (Socket closing = plain) {
            plain.setTcpNoDelay(true);
            Socket socket = plain;
            Lines in = new Lines(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 sink.bench.test ESMTP");
            boolean secure = false;
            boolean counted = false;
            for (String line; (line = in.line()) != null; ) {
                if (!counted) {
                    counted = true; // a session, not a probe that only looked whether the port is open
                    counts.sessions.incrementAndGet();
                }
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase();
                switch (verb) {
                    case "EHLO" -> reply(out, "250-sink.bench.test\r\n" + (tls != null && !secure ? "250-STARTTLS\r\n" : "")
                            + "250-8BITMIME\r\n250 SIZE 104857600");
                    case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "STAR" -> {
                        if (tls == null || secure) {
                            reply(out, "502 5.5.1 no STARTTLS here");
                            continue;
                        }
                        reply(out, "220 2.0.0 Ready to start TLS");
                        SSLSocket s = (SSLSocket) tls.createSocket(plain, "127.0.0.1", plain.getPort(), true);
                        s.setUseClientMode(false);
                        s.setEnabledProtocols(new String[] {PROTOCOL});
                        s.setEnabledCipherSuites(new String[] {CIPHER});
                        s.startHandshake();
                        socket = s;
                        secure = true;
                        counts.tls.incrementAndGet();
                        in = new Lines(socket.getInputStream());
                        out = socket.getOutputStream();
                    }
                    case "DATA" -> {
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        for (String data; (data = in.line()) != null && !data.equals("."); ) {
                            // discarded
                        }
                        counts.messages.incrementAndGet();
                        reply(out, "250 2.0.0 Ok: discarded");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException e) {
            // the peer went away: nothing to count
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
