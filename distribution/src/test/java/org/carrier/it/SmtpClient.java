package org.carrier.it;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A plain SMTP client for tests: speaks one command at a time and returns each reply whole,
 * so a test can assert codes and texts exactly as a real client would see them.
 */
public final class SmtpClient implements Closeable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    public SmtpClient(String host, int port) throws IOException {
        this(null, host, port);
    }

    /** A client connecting from {@code local} (e.g. 127.0.0.9, to stand for another host), or any address if null. */
    public SmtpClient(InetAddress local, String host, int port) throws IOException {
        socket = new Socket();
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** Reads one (possibly multi-line) reply; returns its lines joined by "\n". */
    public String reply() throws IOException {
        StringBuilder all = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed; got so far: " + all);
            }
            all.append(all.length() == 0 ? "" : "\n").append(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return all.toString();
    }

    public String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply();
    }

    /** Sends DATA, the message (dot-stuffed here), and the final dot; returns the final reply. */
    public String data(String message) throws IOException {
        String go = command("DATA");
        if (!go.startsWith("354")) {
            return go;
        }
        StringBuilder wire = new StringBuilder();
        for (String line : message.split("\r\n", -1)) {
            wire.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        out.write(wire.toString().getBytes(StandardCharsets.UTF_8));
        return command(".");
    }

    /** One whole transaction; returns the final reply to DATA (or the first failing reply). */
    public static String send(int port, String from, List<String> to, String message) throws IOException {
        return send(null, port, from, to, message);
    }

    /** The same, from the local address {@code client} (any if null). */
    public static String send(InetAddress client, int port, String from, List<String> to, String message) throws IOException {
        return send(client, port, from, "", to, message);
    }

    /** The same, with {@code mailParameters} (e.g. " BODY=8BITMIME", with its leading space) after MAIL FROM. */
    public static String send(InetAddress client, int port, String from, String mailParameters, List<String> to, String message)
            throws IOException {
        try (SmtpClient c = new SmtpClient(client, "127.0.0.1", port)) {
            expect(c.reply(), "220");
            expect(c.command("EHLO client.test"), "250");
            String mail = c.command("MAIL FROM:<" + from + ">" + mailParameters);
            if (!mail.startsWith("250")) {
                return mail;
            }
            for (String rcpt : to) {
                String r = c.command("RCPT TO:<" + rcpt + ">");
                if (!r.startsWith("250")) {
                    return r;
                }
            }
            String result = c.data(message);
            c.command("QUIT");
            return result;
        }
    }

    /** A small message with the given subject and a body of about {@code bodyBytes} bytes. */
    public static String message(String subject, int bodyBytes) {
        StringBuilder sb = new StringBuilder("From: sender@client.test\r\nTo: someone\r\nSubject: " + subject + "\r\n\r\n");
        while (bodyBytes > 0) {
            String line = "The quick brown fox jumps over the lazy dog.";
            sb.append(line).append("\r\n");
            bodyBytes -= line.length() + 2;
        }
        return sb.toString();
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + " but got: " + reply);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
