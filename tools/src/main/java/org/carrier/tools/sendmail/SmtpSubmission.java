package org.carrier.tools.sendmail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Hands one message to Carrier's SMTP listener on this host (RFC 5321): EHLO, MAIL, RCPT for each recipient, DATA. It
 * sends nothing unless every recipient is accepted, so a program that gets an error can fix its list and try again
 * without anybody receiving the message twice.
 */
final class SmtpSubmission implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** RFC 5321 §4.5.3.2.6: up to 10 minutes for the reply to the end of data. */
    private static final int REPLY_TIMEOUT_MILLIS = 600_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String where;
    private List<String> extensions = List.of();

    private SmtpSubmission(Socket socket, String where) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
        this.where = where;
    }

    static SmtpSubmission connect(InetSocketAddress address, String heloName) throws SubmitFailure {
        String where = address.getHostString() + ":" + address.getPort();
        Socket socket = new Socket();
        try {
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(REPLY_TIMEOUT_MILLIS);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new SubmitFailure(SubmitFailure.UNAVAILABLE, "cannot connect to Carrier at " + where + " (" + e.getMessage()
                    + "); is Carrier running?");
        }
        try {
            SmtpSubmission session = new SmtpSubmission(socket, where);
            session.expect(session.reply(), 2, "greeting");
            Reply ehlo = session.command("EHLO " + heloName);
            session.expect(ehlo, 2, "EHLO");
            session.extensions = ehlo.lines().stream().skip(1).map(l -> l.toUpperCase(Locale.ROOT)).toList();
            return session;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new SubmitFailure(SubmitFailure.UNAVAILABLE, "Carrier at " + where + " did not answer (" + e.getMessage() + ")");
        } catch (SubmitFailure e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** Submits the message; returns the final reply text (e.g. {@code 2.0.0 Ok: queued as ID}). */
    String send(String sender, List<String> recipients, OutgoingMessage message) throws SubmitFailure {
        try {
            String body = message.isEightBit() && offers("8BITMIME") ? " BODY=8BITMIME" : "";
            expect(command("MAIL FROM:<" + sender + ">" + body), 2, "sender <" + sender + ">");
            List<String> refused = new ArrayList<>();
            boolean permanent = false;
            for (String recipient : recipients) {
                Reply reply = command("RCPT TO:<" + recipient + ">");
                if (reply.code() / 100 != 2) {
                    refused.add("<" + recipient + ">: " + reply.text());
                    permanent |= reply.code() / 100 == 5;
                }
            }
            if (!refused.isEmpty()) {
                command("RSET");
                throw new SubmitFailure(permanent ? SubmitFailure.NO_USER : SubmitFailure.TEMPORARY,
                        "recipient refused, message not sent:\n  " + String.join("\n  ", refused));
            }
            expect(command("DATA"), 3, "DATA");
            writeData(message.lines());
            Reply done = reply();
            expect(done, 2, "message");
            return done.text();
        } catch (IOException e) {
            throw new SubmitFailure(SubmitFailure.IO, "the connection to Carrier at " + where + " broke off (" + e.getMessage() + ")");
        }
    }

    private boolean offers(String extension) {
        return extensions.stream().anyMatch(e -> e.equals(extension) || e.startsWith(extension + " "));
    }

    /** RFC 5321 §4.5.2: a line starting with a dot gets another; §4.1.1.4: CRLF.CRLF ends the data. */
    private void writeData(List<String> lines) throws IOException {
        for (String line : lines) {
            if (line.startsWith(".")) {
                out.write('.');
            }
            out.write(line.getBytes(StandardCharsets.ISO_8859_1));
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private void expect(Reply reply, int kind, String what) throws SubmitFailure {
        if (reply.code() / 100 != kind) {
            int status = reply.code() / 100 == 4 ? SubmitFailure.TEMPORARY : SubmitFailure.DATA;
            throw new SubmitFailure(status, what + " refused by Carrier at " + where + ": " + reply.text());
        }
    }

    private Reply command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return reply();
    }

    /** RFC 5321 §4.2.1: a reply is lines "CODE-text" ending with "CODE text". */
    private Reply reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                throw new IOException("not an SMTP reply: " + line);
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) != '-') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() {
        try {
            command("QUIT");
        } catch (IOException e) {
            // closing anyway
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private record Reply(int code, List<String> lines) {
        String text() {
            return code + " " + String.join(" ", lines);
        }
    }
}
