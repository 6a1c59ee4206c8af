package org.carrier.delivery.smtp.internal;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A test SMTP server on 127.0.0.1 that answers from a script: a greeting, and a function from each
 * command line to its reply (null: drop the connection). It records the commands and the raw DATA bytes.
 */
final class ScriptedServer implements AutoCloseable {
    final List<String> commands = new CopyOnWriteArrayList<>();
    volatile String data;

    private final ServerSocket server;
    private final String greeting;
    private final Function<String, String> script;
    private final String finalReply;
    private final Thread thread;

    ScriptedServer(String greeting, Function<String, String> script, String finalReply) throws IOException {
        this.server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        this.greeting = greeting;
        this.script = script;
        this.finalReply = finalReply;
        this.thread = new Thread(this::serve, "scripted-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers 250 to everything, 354 to DATA, then {@code finalReply}. */
    static ScriptedServer accepting(String finalReply) throws IOException {
        return new ScriptedServer("220 peer.test ESMTP", cmd -> cmd.startsWith("DATA") ? "354 go" : "250 ok", finalReply);
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                session(s.getInputStream(), s.getOutputStream());
            } catch (IOException e) {
                // connection over
            }
        }
    }

    private void session(InputStream rawIn, OutputStream out) throws IOException {
        if (greeting == null) {
            return; // accept and close: a peer that drops us at once
        }
        if (!greeting.isEmpty()) {
            say(out, greeting);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(rawIn, StandardCharsets.ISO_8859_1));
        String line;
        while ((line = in.readLine()) != null) {
            commands.add(line);
            String reply = script.apply(line);
            if (reply == null) {
                return;
            }
            if (!reply.isEmpty()) {
                say(out, reply);
            }
            if (line.equals("DATA") && reply.startsWith("354")) {
                data = readData(in);
                if (finalReply == null) {
                    return;
                }
                say(out, finalReply);
            }
            if (line.equals("QUIT")) {
                return;
            }
        }
    }

    private static String readData(BufferedReader in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        String line;
        while ((line = in.readLine()) != null) {
            raw.writeBytes((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (line.equals(".")) {
                break;
            }
        }
        return raw.toString(StandardCharsets.ISO_8859_1);
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(5_000);
    }
}
