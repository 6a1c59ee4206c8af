package org.carrier.filter.milter.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One connection to a milter, packet by packet, every wait bounded: a packet is a 4-byte big-endian length, a command
 * or reply byte and its payload. Reads and the connect wait in a selector, so a Unix socket has the same deadlines as
 * TCP, and a thread interrupted (the SMTP server's filter budget ran out) stops waiting at once.
 */
final class MilterChannel implements AutoCloseable {
    /**
     * The largest reply packet read. libmilter sends at most 65,535 bytes of body a packet (1 MiB with SMFIP_MDS_1M,
     * not offered); a length far beyond is a broken or hostile milter, not a reason to allocate it.
     */
    static final int MAX_PACKET = (1 << 20) + 64;

    /** A reply packet: its code and payload. */
    record Packet(byte code, byte[] payload) {
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final MilterAddress address;

    private MilterChannel(SocketChannel channel, Selector selector, MilterAddress address) {
        this.channel = channel;
        this.selector = selector;
        this.address = address;
    }

    /** Connects within {@code timeoutMillis}. */
    static MilterChannel open(MilterAddress address, long timeoutMillis) throws MilterFailure {
        SocketAddress target = address.address();
        SocketChannel channel = null;
        Selector selector = null;
        try {
            if (target instanceof InetSocketAddress inet && inet.isUnresolved()) {
                target = new InetSocketAddress(inet.getHostString(), inet.getPort());
            }
            channel = target instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            if (!(target instanceof UnixDomainSocketAddress)) {
                // Each step is a macro packet and a command, then a wait for the answer: with Nagle's algorithm the
                // command would wait for the milter's delayed ACK of the macros (40 ms on Linux) at every step.
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            channel.configureBlocking(false);
            selector = Selector.open();
            if (!channel.connect(target)) {
                channel.register(selector, SelectionKey.OP_CONNECT);
                if (selector.select(Math.max(1, timeoutMillis)) == 0) {
                    throw new MilterFailure(MilterFailure.Kind.TIMEOUT, "no connection to " + address + " within " + timeoutMillis + " ms");
                }
                channel.finishConnect();
                selector.selectedKeys().clear();
            }
            return new MilterChannel(channel, selector, address);
        } catch (IOException e) {
            close(channel, selector);
            throw new MilterFailure(MilterFailure.Kind.UNREACHABLE, "cannot connect to " + address + ": " + describe(e));
        } catch (MilterFailure | RuntimeException e) {
            close(channel, selector);
            throw e;
        }
    }

    /** Sends one packet (the write waits at most {@code timeoutMillis} for the milter to take it). */
    void send(byte code, byte[] payload, long timeoutMillis) throws MilterFailure {
        ByteBuffer packet = ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put(code).put(payload).flip();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        try {
            while (packet.hasRemaining()) {
                if (channel.write(packet) == 0) {
                    await(SelectionKey.OP_WRITE, deadline, "to take a command");
                }
            }
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** Reads one packet, waiting until {@code deadlineNanos} (a {@link System#nanoTime()} value). */
    Packet receive(long deadlineNanos) throws MilterFailure {
        ByteBuffer length = fill(ByteBuffer.allocate(4), deadlineNanos, true);
        int size = length.flip().getInt();
        if (size < 1 || size > MAX_PACKET) {
            throw MilterFailure.badInput("a reply packet of length " + Integer.toUnsignedString(size));
        }
        ByteBuffer body = fill(ByteBuffer.allocate(size), deadlineNanos, false);
        byte[] payload = new byte[size - 1];
        body.flip().get();
        body.get(payload);
        return new Packet(body.get(0), payload);
    }

    private ByteBuffer fill(ByteBuffer buffer, long deadline, boolean atPacketStart) throws MilterFailure {
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                    throw MilterFailure.badInput(atPacketStart && buffer.position() == 0
                            ? "connection closed by the milter" : "truncated packet (connection closed within it)");
                }
                if (n == 0) {
                    await(SelectionKey.OP_READ, deadline, "to answer");
                }
            }
            return buffer;
        } catch (IOException e) {
            throw lost(e);
        }
    }

    private void await(int operation, long deadline, String what) throws IOException, MilterFailure {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        SelectionKey key = channel.register(selector, operation);
        int ready = left <= 0 ? 0 : selector.select(left);
        selector.selectedKeys().clear();
        key.interestOps(0);
        if (Thread.currentThread().isInterrupted()) {
            throw new ClosedByInterruptException();
        }
        if (ready == 0 && System.nanoTime() - deadline >= 0) {
            throw new MilterFailure(MilterFailure.Kind.TIMEOUT, "no time left for the milter " + what);
        }
    }

    private MilterFailure lost(IOException e) {
        if (e instanceof ClosedByInterruptException) {
            return new MilterFailure(MilterFailure.Kind.TIMEOUT, "interrupted: the SMTP server's filterTimeoutMillis ran out first");
        }
        return new MilterFailure(MilterFailure.Kind.UNREACHABLE, "connection to " + address + " lost: " + describe(e));
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        close(channel, selector);
    }

    private static void close(SocketChannel channel, Selector selector) {
        try {
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }
}
