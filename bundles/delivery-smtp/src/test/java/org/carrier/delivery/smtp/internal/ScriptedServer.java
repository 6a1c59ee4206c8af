package org.carrier.delivery.smtp.internal;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A test SMTP/LMTP server on 127.0.0.1 that answers from a script: a greeting, and a function from each
 * command line to its reply (null: drop the connection; empty: say nothing, a silent peer). After the data
 * it answers with the final reply, or with {@code afterData} given the accepted RCPT lines (one line per
 * recipient for LMTP). Each connection is served by its own thread; it records the commands of all of them,
 * the connections, and the raw DATA bytes.
 */
final class ScriptedServer implements AutoCloseable {
    final List<String> commands = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    volatile String data;

    private final ServerSocket server;
    private final String greeting;
    private final Function<String, String> script;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile Function<List<String>, String> afterData;
    private volatile SSLContext tls;
    private volatile boolean holdRepliesUntilData;
    private volatile boolean dropDuringData;

    ScriptedServer(String greeting, Function<String, String> script, String finalReply) throws IOException {
        this(InetAddress.getLoopbackAddress(), 0, greeting, script, finalReply);
    }

    /** A server on a chosen loopback address and port, e.g. a second address of the same host. */
    ScriptedServer(InetAddress address, int port, String greeting, Function<String, String> script, String finalReply)
            throws IOException {
        this.server = new ServerSocket(port, 50, address);
        this.greeting = greeting;
        this.script = script;
        this.afterData = accepted -> finalReply;
        this.thread = new Thread(this::serve, "scripted-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers 250 to everything, 354 to DATA, then {@code finalReply}. */
    static ScriptedServer accepting(String finalReply) throws IOException {
        return new ScriptedServer("220 peer.test ESMTP", cmd -> cmd.startsWith("DATA") ? "354 go" : "250 ok", finalReply);
    }

    /** An ESMTP peer announcing {@code extensions}, accepting everything. */
    static ScriptedServer offering(String... extensions) throws IOException {
        return new ScriptedServer("220 peer.test ESMTP", ehloThen(cmd -> cmd.equals("DATA") ? "354 go" : "250 ok", extensions),
                "250 2.0.0 ok");
    }

    /** A script that answers EHLO/LHLO with the extensions and everything else as {@code rest} does. */
    static Function<String, String> ehloThen(Function<String, String> rest, String... extensions) {
        StringBuilder ehlo = new StringBuilder("250");
        ehlo.append(extensions.length == 0 ? " " : "-").append("peer.test");
        for (int i = 0; i < extensions.length; i++) {
            ehlo.append("\n250").append(i == extensions.length - 1 ? " " : "-").append(extensions[i]);
        }
        return cmd -> cmd.startsWith("EHLO") || cmd.startsWith("LHLO") ? ehlo.toString() : rest.apply(cmd);
    }

    /** After DATA, answers from the accepted RCPT lines (LMTP: one reply per recipient, one per line). */
    ScriptedServer afterData(Function<List<String>, String> replies) {
        this.afterData = replies;
        return this;
    }

    /** Answers 220 to STARTTLS and then speaks TLS with this context. */
    ScriptedServer startTls(SSLContext context) {
        this.tls = context;
        return this;
    }

    /**
     * Holds the replies to MAIL and RCPT until DATA arrives (RFC 2920 §3.1): a client that waits for each
     * reply instead of pipelining gets none and times out.
     */
    ScriptedServer holdRepliesUntilData() {
        this.holdRepliesUntilData = true;
        return this;
    }

    /** Closes the connection after the first line of the data. */
    ScriptedServer dropDuringData() {
        this.dropDuringData = true;
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    InetAddress address() {
        return server.getInetAddress();
    }

    long count(String prefix) {
        return commands.stream().filter(c -> c.startsWith(prefix)).count();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serveOne(s), "scripted-smtp-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serveOne(Socket s) {
        try (s) {
            s.setSoTimeout(20_000);
            session(s);
        } catch (IOException e) {
            // connection over
        }
    }

    private void session(Socket socket) throws IOException {
        if (greeting == null) {
            return; // accept and close: a peer that drops us at once
        }
        OutputStream out = socket.getOutputStream();
        if (!greeting.isEmpty()) {
            say(out, greeting);
        }
        BufferedReader in = reader(socket);
        List<String> held = new ArrayList<>();
        List<String> accepted = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            commands.add(line);
            if (line.startsWith("BDAT ")) {
                // RFC 3030 §2: BDAT size LAST, then exactly that many bytes (one char per byte in ISO-8859-1).
                char[] chunk = new char[Integer.parseInt(line.split(" ")[1])];
                for (int read = 0; read < chunk.length; ) {
                    int n = in.read(chunk, read, chunk.length - read);
                    if (n < 0) {
                        return;
                    }
                    read += n;
                }
                data = new String(chunk);
                String end = afterData.apply(List.copyOf(accepted));
                if (end == null) {
                    return;
                }
                say(out, end);
                continue;
            }
            String reply = script.apply(line);
            if (reply == null) {
                return;
            }
            if (line.startsWith("RCPT") && reply.startsWith("2")) {
                accepted.add(line);
            }
            if (line.startsWith("MAIL") || line.startsWith("RSET")) {
                accepted.clear();
            }
            if (holdRepliesUntilData && (line.startsWith("MAIL") || line.startsWith("RCPT"))) {
                held.add(reply);
                continue;
            }
            for (String h : held) {
                say(out, h);
            }
            held.clear();
            if (!reply.isEmpty()) {
                say(out, reply);
            }
            if (line.equals("STARTTLS") && reply.startsWith("220") && tls != null) {
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, true);
                secure.setUseClientMode(false);
                secure.startHandshake();
                socket = secure;
                out = secure.getOutputStream();
                in = reader(secure);
            }
            if (line.equals("DATA") && reply.startsWith("354")) {
                if (!readData(in)) {
                    return;
                }
                String end = afterData.apply(List.copyOf(accepted));
                if (end == null) {
                    return;
                }
                say(out, end);
            }
            if (line.equals("QUIT")) {
                return;
            }
        }
    }

    /** Reads the data up to the final dot; false if the connection is to be dropped instead. */
    private boolean readData(BufferedReader in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        String line;
        while ((line = in.readLine()) != null) {
            if (dropDuringData) {
                return false;
            }
            raw.writeBytes((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (line.equals(".")) {
                data = raw.toString(StandardCharsets.ISO_8859_1);
                return true;
            }
        }
        return false;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        thread.join(5_000);
    }
}
