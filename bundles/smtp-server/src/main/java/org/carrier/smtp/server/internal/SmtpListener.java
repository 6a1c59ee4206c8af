package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.carrier.api.message.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening socket and its sessions, one thread each, at most {@code maxConnections} at a time.
 * New settings apply to new sessions; a new address or port opens the new socket before closing the
 * old one, and sessions in progress go on undisturbed.
 */
final class SmtpListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);
    private static final AtomicLong SESSIONS = new AtomicLong();

    private final SessionServices services;
    private final ExecutorService sessions = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "carrier-smtp-session");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ListenerSettings settings;
    private volatile Semaphore slots;
    private volatile ServerSocket server;

    SmtpListener(ListenerSettings settings, SessionServices services) throws IOException {
        this.services = services;
        this.settings = settings;
        this.slots = new Semaphore(settings.maxConnections());
        this.server = bind(settings);
        startAccepting(server);
    }

    /** The port actually bound (useful with port 0). */
    int port() {
        return server.getLocalPort();
    }

    void update(ListenerSettings next) throws IOException {
        ListenerSettings previous = settings;
        if (next.maxConnections() != previous.maxConnections()) {
            slots = new Semaphore(next.maxConnections());
        }
        settings = next;
        if (!next.bindAddress().equals(previous.bindAddress()) || next.port() != previous.port()) {
            ServerSocket fresh = bind(next);
            ServerSocket old = server;
            server = fresh;
            startAccepting(fresh);
            old.close();
        }
    }

    private static ServerSocket bind(ListenerSettings s) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(s.bindAddress()), s.port()), 128);
        } catch (IOException e) {
            socket.close();
            throw new IOException("listener " + s.name() + ": cannot listen on " + s.bindAddress() + ":" + s.port() + ": " + e.getMessage(), e);
        }
        LOG.info("listener {} on {}:{}", s.name(), s.bindAddress(), socket.getLocalPort());
        return socket;
    }

    private void startAccepting(ServerSocket socket) {
        Thread acceptor = new Thread(() -> accept(socket), "carrier-smtp-accept-" + settings.name());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warn("listener {}: accept failed: {}", settings.name(), e.toString());
                }
                continue;
            }
            Semaphore limit = slots;
            if (!limit.tryAcquire()) {
                turnAway(client);
                continue;
            }
            open.add(client);
            String id = "S" + SESSIONS.incrementAndGet();
            ListenerSettings current = settings;
            sessions.execute(() -> {
                try {
                    new SmtpSession(client, current, services, id).run();
                } finally {
                    open.remove(client);
                    limit.release();
                }
            });
        }
    }

    /** RFC 5321 §3.8: a server that cannot take the session says 421 and closes. */
    private void turnAway(Socket client) {
        LOG.warn("listener {}: connection limit {} reached, refusing [{}]", settings.name(), settings.maxConnections(),
                client.getInetAddress().getHostAddress());
        try (client; OutputStream out = client.getOutputStream()) {
            SmtpReply busy = new SmtpReply(421, "4.7.0", settings.hostname() + " Error: too many connections, try again later");
            out.write(Reply.wire(busy).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // nothing more to do for this client
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        sessions.shutdown();
        try {
            sessions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("listener {} closed", settings.name());
    }
}
