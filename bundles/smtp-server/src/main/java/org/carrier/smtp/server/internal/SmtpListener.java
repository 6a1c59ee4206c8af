package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * One listening socket on Netty's non-blocking I/O and its sessions. A few event loop threads serve every
 * connection; the protocol work (filters, router, queue) runs on a bounded pool of workers. New settings apply
 * to new sessions; a new address or port opens the new socket before closing the old one, and sessions in
 * progress go on undisturbed.
 */
final class SmtpListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);
    private static final AtomicLong SESSIONS = new AtomicLong();
    /** Enough for the protocol work of many sessions at once, few enough to bound memory and disk contention. */
    static final int WORKER_THREADS = 32;

    private final SessionServices services;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final ThreadPoolExecutor workers;
    private final ConnectionLimits limits = new ConnectionLimits();
    private final ChannelGroup open;
    private volatile ListenerSettings settings;
    private volatile Channel server;

    SmtpListener(ListenerSettings settings, SessionServices services) throws IOException {
        this.services = services;
        this.settings = settings;
        this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("carrier-smtp-accept-" + settings.name(), true));
        this.loops = new NioEventLoopGroup(Math.min(4, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("carrier-smtp-io-" + settings.name(), true));
        this.workers = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("carrier-smtp-worker-" + settings.name()));
        workers.allowCoreThreadTimeOut(true);
        this.open = new DefaultChannelGroup("carrier-smtp-" + settings.name(), loops.next());
        try {
            this.server = bind(settings);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The port actually bound (useful with port 0). */
    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * Takes new settings. A new address or port is bound first; if that fails, nothing changes (the settings in force
     * stay those of the socket still bound, so going back to them later is no change and binds nothing).
     */
    void update(ListenerSettings next) throws IOException {
        ListenerSettings previous = settings;
        if (!next.bindAddress().equals(previous.bindAddress()) || next.port() != previous.port()) {
            Channel fresh = bind(next);
            Channel old = server;
            server = fresh;
            settings = next;
            old.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            return;
        }
        settings = next;
    }

    private Channel bind(ListenerSettings s) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        ListenerSettings current = settings;
                        open.add(channel);
                        if (current.behindProxy()) {
                            channel.pipeline().addLast("proxy", new HAProxyMessageDecoder());
                        }
                        if (current.role().implicitTls()) {
                            // RFC 8314 §3.3: TLS from the first byte (after a PROXY header, which a proxy sends in clear).
                            channel.pipeline().addLast("tls", current.tls().current().newHandler());
                        }
                        channel.pipeline().addLast("smtp", new SmtpChannelHandler(current, services, workers, limits,
                                "S" + SESSIONS.incrementAndGet()));
                    }
                });
        try {
            Channel channel = bootstrap.bind(new InetSocketAddress(InetAddress.getByName(s.bindAddress()), s.port()))
                    .syncUninterruptibly().channel();
            LOG.info("listener {} ({}) on {}:{}", s.name(), s.role().configValue(), s.bindAddress(),
                    ((InetSocketAddress) channel.localAddress()).getPort());
            return channel;
        } catch (IOException | RuntimeException e) {
            throw new IOException("listener " + s.name() + ": cannot listen on " + s.bindAddress() + ":" + s.port() + ": " + e.getMessage(), e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** RFC 5321 §3.8: a server going away tells its clients 421 before it closes; a message in progress is not queued. */
    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        byte[] goodbye = Reply.wire(Reply.closing(settings.hostname(), "4.3.2", "Error: server shutting down")).getBytes(StandardCharsets.US_ASCII);
        open.writeAndFlush(Unpooled.wrappedBuffer(goodbye)).awaitUninterruptibly(2, TimeUnit.SECONDS);
        open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("listener {} closed", settings.name());
    }
}
