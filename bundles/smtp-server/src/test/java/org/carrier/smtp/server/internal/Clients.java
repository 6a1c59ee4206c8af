package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
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

    /** Writes everything at once, then reads every complete reply (its last line) until the server closes. */
    static List<String> exchange(int port, String script) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
            List<String> replies = new ArrayList<>();
            String line;
            while ((line = readLine(s.getInputStream())) != null) {
                if (line.length() < 4 || line.charAt(3) == ' ') {
                    replies.add(line);
                }
            }
            return replies;
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
