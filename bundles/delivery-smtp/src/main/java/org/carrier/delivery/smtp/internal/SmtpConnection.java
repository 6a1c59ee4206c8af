package org.carrier.delivery.smtp.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection to an SMTP server: commands out, replies in, and the message data
 * dot-stuffed on the way out (RFC 5321 §4.5.2).
 */
final class SmtpConnection implements Closeable {
    private static final int MAX_REPLY_LINE = 4096;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String remote;

    private SmtpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.remote = peer.getHostString() + "[" + peer.getAddress().getHostAddress() + "]:" + peer.getPort();
    }

    static SmtpConnection open(String host, int port, int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            socket.setTcpNoDelay(true);
            return new SmtpConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The peer as {@code host[address]:port}, for logs and delivery reports. */
    String remote() {
        return remote;
    }

    void setReadTimeout(int millis) throws SocketException {
        socket.setSoTimeout(millis);
    }

    Reply command(String line) throws IOException {
        send(line);
        return read();
    }

    void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply, following {@code 250-} continuation lines to the last {@code 250 } line. */
    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2))) {
                throw new IOException("malformed reply line: " + line);
            }
            boolean more = line.length() > 3 && line.charAt(3) == '-';
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (!more) {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
    }

    /**
     * Sends the message and the terminating {@code CRLF.CRLF}. Lines starting with a dot get one more
     * (RFC 5321 §4.5.2); a message not ending in CRLF gets one, so the final dot is on its own line.
     */
    void sendData(InputStream message) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        boolean lineStart = true;
        int last = -1;
        int n;
        while ((n = message.read(buffer)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                if (lineStart && buffer[i] == '.') {
                    out.write(buffer, from, i - from);
                    out.write('.');
                    from = i;
                }
                lineStart = buffer[i] == '\n';
            }
            out.write(buffer, from, n - from);
            last = buffer[n - 1];
        }
        if (last != '\n' && last != -1) {
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_REPLY_LINE) {
                throw new IOException("reply line longer than " + MAX_REPLY_LINE + " bytes");
            }
            line.write(b);
        }
        throw new EOFException("connection closed by " + remote);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
