package org.carrier.delivery.smtp.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One client connection to an SMTP or LMTP server, over TCP or a Unix domain socket: commands out,
 * replies in, the message data dot-stuffed on the way out (RFC 5321 §4.5.2). Every read and write has
 * a timeout enforced by the {@link Watchdog}, which closes the connection when it expires.
 */
final class PeerConnection implements Closeable {
    private static final int MAX_REPLY_LINE = 4096;
    private static final int BLOCK = 64 * 1024;

    private final Closeable raw;
    private final Socket socket;
    private final String remote;
    private final Watchdog watchdog;
    private InputStream in;
    private OutputStream out;
    private String tlsSession;
    private SSLSession session;
    private volatile boolean expired;

    private PeerConnection(Closeable raw, Socket socket, InputStream in, OutputStream out, String remote, Watchdog watchdog) {
        this.raw = raw;
        this.socket = socket;
        this.in = new BufferedInputStream(in);
        this.out = new BufferedOutputStream(out, BLOCK);
        this.remote = remote;
        this.watchdog = watchdog;
    }

    /** Connects over TCP; {@code host} is the name the address belongs to, kept for logs. */
    static PeerConnection connect(String host, InetSocketAddress address, int connectTimeoutMillis, Watchdog watchdog)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, connectTimeoutMillis);
            socket.setTcpNoDelay(true);
            String remote = host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
            return new PeerConnection(socket, socket, socket.getInputStream(), socket.getOutputStream(), remote, watchdog);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Connects to a Unix domain socket (e.g. Dovecot's LMTP socket). */
    static PeerConnection connectUnix(Path path, Watchdog watchdog) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
            return new PeerConnection(channel, null, Channels.newInputStream(channel), Channels.newOutputStream(channel),
                    "unix:" + path, watchdog);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** The peer as {@code host[address]:port} or {@code unix:/path}, for logs and delivery reports. */
    String remote() {
        return remote;
    }

    /** Whether STARTTLS is possible: TCP only. */
    boolean isTcp() {
        return socket != null;
    }

    /** The TLS protocol and cipher after {@link #startTls}, or {@code null} in the clear. */
    String tlsSession() {
        return tlsSession;
    }

    /** The TLS session after {@link #startTls}, or {@code null} in the clear. */
    SSLSession sslSession() {
        return session;
    }

    /** The local address of a TCP connection (TLS-RPT's sending-mta-ip), else {@code null}. */
    InetAddress localAddress() {
        return socket == null ? null : socket.getLocalAddress();
    }

    /** The peer's address of a TCP connection, else {@code null}. */
    InetAddress remoteAddress() {
        return socket == null ? null : socket.getInetAddress();
    }

    Reply command(String line, int timeoutMillis) throws IOException {
        write(line);
        flush(timeoutMillis);
        return read(timeoutMillis);
    }

    /** Buffers one command line; {@link #flush} sends the buffered lines together (RFC 2920 pipelining). */
    void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void flush(int timeoutMillis) throws IOException {
        ScheduledFuture<?> timer = arm(timeoutMillis);
        try {
            out.flush();
        } catch (IOException e) {
            throw translate(e, "sending to", timeoutMillis);
        } finally {
            timer.cancel(false);
        }
    }

    /** Reads one reply, following {@code 250-} continuation lines to the last {@code 250 } line. */
    Reply read(int timeoutMillis) throws IOException {
        ScheduledFuture<?> timer = arm(timeoutMillis);
        try {
            return readReply();
        } catch (IOException e) {
            throw translate(e, "waiting for a reply from", timeoutMillis);
        } finally {
            timer.cancel(false);
        }
    }

    /** A send buffer no larger than the message: a new array is zeroed in full, and most messages are far below a block. */
    private static byte[] blockFor(long size) {
        return new byte[(int) Math.max(1, Math.min(BLOCK, size))];
    }

    /**
     * Sends the message (of about {@code size} bytes) and the terminating {@code CRLF.CRLF}. Lines starting with a dot get one more
     * (RFC 5321 §4.5.2); a message not ending in CRLF gets one, so the final dot is on its own line.
     * Each block must go out within {@code blockTimeoutMillis} (RFC 5321 §4.5.3.2.5: 3 minutes).
     */
    void sendData(InputStream message, long size, int blockTimeoutMillis) throws IOException {
        byte[] buffer = blockFor(size);
        boolean lineStart = true;
        int last = -1;
        long read = 0;
        int n;
        while ((n = message.read(buffer)) > 0) {
            read += n;
            if (lineStart && buffer[0] == '.') {
                out.write('.');
            }
            int from = 0;
            for (int i = ByteScan.nextLineStartingWithDot(buffer, 0, n); i >= 0; i = ByteScan.nextLineStartingWithDot(buffer, i + 1, n)) {
                out.write(buffer, from, i + 1 - from);
                out.write('.');
                from = i + 1;
            }
            out.write(buffer, from, n - from);
            lineStart = buffer[n - 1] == '\n';
            if (read < size) {
                flush(blockTimeoutMillis); // the last block goes out with the final dot: one write for a small message
            }
            last = buffer[n - 1];
        }
        if (last != '\n' && last != -1) {
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        flush(blockTimeoutMillis);
    }

    /**
     * Sends the message as one chunk, {@code BDAT size LAST} and the bytes as they are: no dot-stuffing, no
     * terminating dot (RFC 3030 §2). The size must be exact, so a message that changed on disk is an error.
     */
    void sendChunk(InputStream message, long size, int blockTimeoutMillis) throws IOException {
        write("BDAT " + size + " LAST");
        byte[] buffer = blockFor(size);
        long sent = 0;
        int n;
        while ((n = message.read(buffer)) > 0) {
            if (sent + n > size) {
                throw new IOException("the message is longer than its size " + size);
            }
            out.write(buffer, 0, n);
            sent += n;
            flush(blockTimeoutMillis);
        }
        if (sent != size) {
            throw new IOException("the message is " + sent + " bytes, not its size " + size);
        }
        flush(blockTimeoutMillis);
    }

    /**
     * Starts TLS on this connection after the peer's 220 to STARTTLS (RFC 3207 §4). Anything the peer sent
     * after that reply and before the handshake would be plaintext injected into the TLS session: refused.
     */
    void startTls(SSLSocketFactory factory, SSLParameters parameters, String host, int timeoutMillis) throws IOException {
        if (in.available() > 0) {
            throw new IOException(remote + " sent data after its STARTTLS reply (RFC 3207 §5)");
        }
        SSLSocket tls = (SSLSocket) factory.createSocket(socket, host, socket.getPort(), true);
        tls.setSSLParameters(parameters);
        tls.setUseClientMode(true);
        ScheduledFuture<?> timer = arm(timeoutMillis);
        try {
            tls.startHandshake();
        } catch (IOException e) {
            throw translate(e, "TLS handshake with", timeoutMillis);
        } finally {
            timer.cancel(false);
        }
        in = new BufferedInputStream(tls.getInputStream());
        out = new BufferedOutputStream(tls.getOutputStream(), BLOCK);
        session = tls.getSession();
        tlsSession = session.getProtocol() + " " + session.getCipherSuite();
    }

    private ScheduledFuture<?> arm(int timeoutMillis) {
        return watchdog.arm(() -> {
            expired = true;
            close();
        }, timeoutMillis);
    }

    /** A timeout closed the socket under the blocked call: say so, instead of "socket closed". */
    private IOException translate(IOException e, String doing, int timeoutMillis) {
        if (!expired) {
            return e;
        }
        SocketTimeoutException timeout = new SocketTimeoutException("timeout after " + timeoutMillis / 1000.0
                + " s " + doing + " " + remote);
        timeout.initCause(e);
        return timeout;
    }

    private Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2))) {
                throw new IOException("malformed reply line from " + remote + ": " + line);
            }
            boolean more = line.length() > 3 && line.charAt(3) == '-';
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (!more) {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
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
                throw new IOException("reply line longer than " + MAX_REPLY_LINE + " bytes from " + remote);
            }
            line.write(b);
        }
        throw new EOFException("connection closed by " + remote);
    }

    @Override
    public void close() {
        try {
            raw.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
