package org.carrier.dns.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A UDP forwarder in front of a real name server that, once told to, strips every RRSIG record from the answers it
 * passes on: a DNSSEC-unaware middlebox, or an attacker on the path downgrading signed answers.
 */
final class StrippingForwarder implements AutoCloseable {
    private static final int MAX_UDP = 65_535;

    private final DatagramSocket socket;
    private final SimpleResolver upstream;
    private final Thread thread;
    private volatile boolean strip;

    StrippingForwarder(InetSocketAddress server) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(100);
        upstream = new SimpleResolver(server);
        upstream.setTimeout(Duration.ofSeconds(2));
        thread = new Thread(this::serve, "stripping forwarder");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code 127.0.0.1:port}, for the {@code servers} setting. */
    String server() {
        return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    void strip(boolean strip) {
        this.strip = strip;
    }

    private void serve() {
        byte[] buffer = new byte[MAX_UDP];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                Message response = upstream.send(query);
                if (strip) {
                    stripSignatures(response);
                }
                byte[] wire = response.toWire();
                socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
            } catch (SocketTimeoutException idle) {
                // look again whether closed
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                // a question the server did not answer: the client times out, as it would
            }
        }
    }

    private static void stripSignatures(Message response) {
        for (int section = 1; section <= 3; section++) {
            List<Record> records = List.copyOf(response.getSection(section));
            for (Record r : records) {
                if (r.getType() == Type.RRSIG) {
                    response.removeRecord(r, section);
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2000);
    }
}
