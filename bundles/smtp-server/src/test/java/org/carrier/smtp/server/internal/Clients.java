package org.carrier.smtp.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** How tests talk to a running listener: external clients, and raw sockets. */
final class Clients {
    private Clients() {
    }

    /** Runs a command to its end (at most 30 s) and returns its exit code and its output. */
    static String[] run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }

    /** swaks against 127.0.0.1:port with more options. */
    static String[] swaks(int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port)));
        command.addAll(List.of(options));
        return run(command.toArray(new String[0]));
    }

    /** Plays {@code script} as {@link #play} does, then returns every complete reply (its last line) until the server closes. */
    static List<String> exchange(int port, String script) throws IOException {
        return play(port, script, Integer.MAX_VALUE, 10_000).stream().filter(l -> l.length() < 4 || l.charAt(3) == ' ').toList();
    }

    /**
     * Plays {@code script} as a pipelining client does (RFC 2920 §3.1): each group of commands up to and including DATA
     * in one write, then what follows DATA only once its reply came (354, or a refusal: then reading stalls for a
     * second). Reads reply lines, those of multi-line replies too, until the server closes or {@code replies} complete
     * replies are in; each read waits {@code timeoutMillis} at most.
     */
    static List<String> play(int port, String script, int replies, int timeoutMillis) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(timeoutMillis);
            InputStream in = s.getInputStream();
            List<String> lines = new ArrayList<>();
            int[] complete = {0};
            int from = 0;
            for (int data = dataEnd(script, 0); data >= 0 && complete[0] < replies; data = dataEnd(script, from)) {
                s.getOutputStream().write(script.substring(from, data).getBytes(StandardCharsets.UTF_8));
                from = data;
                s.setSoTimeout(1_000);
                try {
                    while (complete[0] < replies && !readReply(in, lines, complete).startsWith("354")) {
                        // the replies before DATA's
                    }
                } catch (SocketTimeoutException refused) {
                    // DATA was refused: no 354 comes
                } catch (EOFException closed) {
                    return lines;
                }
                s.setSoTimeout(timeoutMillis);
            }
            s.getOutputStream().write(script.substring(from).getBytes(StandardCharsets.UTF_8));
            try {
                while (complete[0] < replies) {
                    readReply(in, lines, complete);
                }
            } catch (EOFException closed) {
                // the server closed the connection
            }
            return lines;
        }
    }

    /** Where the text after the next "DATA" command line (at a line start) begins, or -1. */
    private static int dataEnd(String script, int from) {
        for (int i = script.indexOf("DATA\r\n", from); i >= 0; i = script.indexOf("DATA\r\n", i + 1)) {
            if (i == 0 || script.charAt(i - 1) == '\n') {
                return i + 6;
            }
        }
        return -1;
    }

    /** Reads lines up to the last line of one reply (adding each to {@code lines}); returns that last line. */
    private static String readReply(InputStream in, List<String> lines, int[] complete) throws IOException {
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException();
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) == ' ') {
                complete[0]++;
                return line;
            }
        }
    }

    /** One line without its line end, or null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return b == -1 && sb.length() == 0 ? null : sb.toString();
    }
}
