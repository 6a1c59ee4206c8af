package org.carrier.smtp.server.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import javax.net.ssl.SSLSession;

import org.carrier.api.message.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * The network side of one SMTP session on Netty: frames the byte stream into command lines and content and
 * hands each piece to the {@link SmtpProtocol}, and writes the replies in order. What cannot block is answered
 * at once on the event loop (most commands when no filters are registered, and message content up to its end);
 * steps that may block (filters, router, queue commit, AUTH) run on a worker thread, because the event loop
 * must not wait: each hop there and back costs two thread wake-ups. Only one piece is with the protocol at a
 * time, so pipelined commands (RFC 2920) are answered in order; bytes that arrive meanwhile wait in
 * {@link #pending} (reading pauses only when that backlog grows past {@link #MAX_BACKLOG} or the client stops
 * reading its replies), and replies are flushed only once no complete input is left, so a pipelined group is
 * answered in one write. All fields are touched on the channel's event loop only; the protocol by one thread
 * at a time (the event loop, or the worker running a step while {@link #busy}).
 */
final class SmtpChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpChannelHandler.class);
    /** Unprocessed input beyond which reading pauses until the protocol catches up (a worker step is slow). */
    static final int MAX_BACKLOG = 256 * 1024;
    /** RFC 4954 §4: an AUTH response line may be 12288 octets, CRLF excluded. */
    private static final int MAX_AUTH_LINE = 12288 + 2;
    /** How long a closing reply may wait for a client that does not read before the connection is closed anyway. */
    static final long CLOSE_GRACE_MILLIS = 5_000;

    private final ListenerSettings settings;
    private final SessionServices services;
    private final Executor workers;
    private final ConnectionLimits limits;
    private final String id;

    private ChannelHandlerContext ctx;
    private SmtpProtocol protocol;
    private InetAddress counted;
    private boolean trusted;
    private ByteBuf pending;
    private Response.Next mode = Response.Next.COMMAND;
    private boolean busy;
    private boolean awaitingHandshake;
    private InetSocketAddress client;
    private boolean skippingLongLine;
    private boolean closed;
    /** When the wait for the client's current command line (or DATA content, or BDAT chunk) began: see {@link #currentLimit}. */
    private long waitStarted;
    private ScheduledFuture<?> timer;

    SmtpChannelHandler(ListenerSettings settings, SessionServices services, Executor workers, ConnectionLimits limits, String id) {
        this.settings = settings;
        this.services = services;
        this.workers = workers;
        this.limits = limits;
        this.id = id;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        ctx = context;
        startWait();
        // RFC 8314 §3.3: on an implicit TLS port the greeting waits for the handshake.
        awaitingHandshake = settings.role().implicitTls();
        InetSocketAddress remote = (InetSocketAddress) context.channel().remoteAddress();
        if (settings.behindProxy()) {
            // The PROXY header must come first; only a configured proxy may send one.
            if (!settings.proxyNetworks().contains(remote.getAddress())) {
                LOG.warn("listener {}: refusing [{}]: not a configured proxy", settings.name(), remote.getAddress().getHostAddress());
                context.close();
            }
            return;
        }
        clientKnown(remote);
    }

    /** The client address is known: at connect, or from the PROXY header. */
    private void clientKnown(InetSocketAddress address) {
        client = address;
        trusted = settings.trustedNetworks().contains(client.getAddress());
        if (services.draining()) {
            LOG.debug("listener {}: draining, refusing [{}]", settings.name(), client.getAddress().getHostAddress());
            mode = Response.Next.CLOSE;
            writeAndClose(Reply.draining(settings.hostname()));
            return;
        }
        ConnectionLimits.Admission admission = limits.acquire(client.getAddress(), trusted, settings);
        if (admission != ConnectionLimits.Admission.ADMITTED) {
            refuse(admission);
            return;
        }
        counted = client.getAddress();
        services.metrics().sessionOpened();
        protocol = new SmtpProtocol(settings, services, id, client, (InetSocketAddress) ctx.channel().localAddress());
        if (!awaitingHandshake) {
            Response greeting = protocol.greetAtOnce();
            if (greeting == null) {
                run(SmtpProtocol::greet);
            } else {
                apply(greeting);
                process();
            }
        }
    }

    /** Postfix's smtpd_client_connection_count_limit and process limit: 421, and the client may try again later. */
    private void refuse(ConnectionLimits.Admission admission) {
        String ip = client.getAddress().getHostAddress();
        boolean perClient = admission == ConnectionLimits.Admission.CLIENT_FULL;
        LOG.warn("listener {}: {} limit reached, refusing [{}]", settings.name(), perClient ? "per-client connection" : "connection", ip);
        mode = Response.Next.CLOSE;
        writeAndClose(perClient ? Reply.tooManyConnectionsFrom(settings.hostname(), ip) : Reply.tooManyConnections(settings.hostname()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (!(event instanceof SslHandshakeCompletionEvent done)) {
            context.fireUserEventTriggered(event);
            return;
        }
        if (!done.isSuccess()) {
            LOG.info("{}: TLS handshake failed: {}", id, done.cause().toString());
            context.close();
            return;
        }
        awaitingHandshake = false;
        SSLSession tls = context.pipeline().get(SslHandler.class).engine().getSession();
        String version = tls.getProtocol();
        String cipher = tls.getCipherSuite();
        if (protocol == null) {
            return; // the PROXY header has not come yet: cannot happen, it comes before any TLS byte
        }
        // STARTTLS is never offered inside TLS, so on an implicit TLS port this is the first and only handshake.
        boolean implicit = settings.role().implicitTls();
        run(p -> {
            Response afterHandshake = p.tlsStarted(version, cipher);
            return implicit ? p.greet() : afterHandshake;
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                clientKnown(proxiedClient(header));
            } finally {
                ReferenceCountUtil.release(header);
            }
            return;
        }
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (mode == Response.Next.CLOSE || closed) {
            bytes.release();
            return;
        }
        if (pending == null) {
            pending = bytes;
        } else {
            ByteBuf joined = context.alloc().buffer(pending.readableBytes() + bytes.readableBytes()).writeBytes(pending).writeBytes(bytes);
            pending.release();
            bytes.release();
            pending = joined;
        }
        process();
    }

    /** PROXY protocol v1/v2 (HAProxy's specification): a LOCAL header (a health check) keeps the proxy's own address. */
    private InetSocketAddress proxiedClient(HAProxyMessage header) {
        if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
            return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()), header.sourcePort());
        }
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }

    /**
     * Handles the complete input: steps that cannot block at once, one that may on a worker (processing goes on
     * when it is back). Flushes the replies once no complete input is left, then decides whether to read on.
     */
    private void process() {
        while (!busy && !awaitingHandshake && protocol != null && !closed && mode != Response.Next.CLOSE
                && ctx.channel().isWritable()) {
            Response now = mode == Response.Next.CONTENT ? contentStep() : commandStep();
            if (now == null) {
                break; // no complete input, or a worker has the step
            }
            if (now.delayMillis() > 0) {
                busy = true;
                completed(now);
                break;
            }
            apply(now);
        }
        if (!busy && !closed) {
            ctx.flush();
        }
        releaseConsumed();
        updateReading();
    }

    /**
     * Reads on while the client reads its replies and its unprocessed input stays small: RFC 2920 lets a client
     * send many commands before it reads a reply, and turning reading off and on around every command would
     * cost two system calls each.
     */
    private void updateReading() {
        if (closed) {
            return;
        }
        boolean read = ctx.channel().isWritable() && (pending == null || pending.readableBytes() < MAX_BACKLOG);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        process();
        context.fireChannelWritabilityChanged();
    }

    /** The next complete command line: its answer if it came at once, else null (a worker has it, or no line yet). */
    private Response commandStep() {
        if (pending == null) {
            return null;
        }
        int start = pending.readerIndex();
        int maxLine = mode == Response.Next.AUTH_RESPONSE ? MAX_AUTH_LINE : settings.maxLineLength();
        if (skippingLongLine) {
            // RFC 5321 §4.5.3.1.4: the rest of an overlong line is dropped up to its end, then refused once.
            int crlf = crlf(start, pending.writerIndex());
            if (crlf < 0) {
                // a CR at the end stays: its LF may come in the next read
                boolean cr = pending.isReadable() && pending.getByte(pending.writerIndex() - 1) == '\r';
                pending.readerIndex(pending.writerIndex() - (cr ? 1 : 0));
                return null;
            }
            pending.readerIndex(crlf + 2);
            skippingLongLine = false;
            return protocol.overlongLine();
        }
        int end = crlf(start, start + Math.min(pending.readableBytes(), maxLine));
        if (end < 0) {
            if (pending.readableBytes() >= maxLine) {
                skippingLongLine = true;
                return commandStep();
            }
            return null;
        }
        int length = end - start;
        boolean bare = pending.indexOf(start, end, (byte) '\n') >= 0 || pending.indexOf(start, end, (byte) '\r') >= 0;
        String line = bare ? null : pending.toString(start, length, StandardCharsets.UTF_8);
        pending.readerIndex(end + 2);
        if (bare) {
            return protocol.bareLineEnding();
        }
        Response now = protocol.commandAtOnce(line);
        if (now == null) {
            run(p -> p.command(line));
        }
        return now;
    }

    /**
     * Where the first CRLF in {@code [from, limit)} of the pending input starts, or -1. RFC 5321 §2.3.8: only CRLF ends
     * a command line; a bare LF (or CR) is part of the line, which is then refused whole, so no client and no proxy in
     * front of us can disagree with us about where a command ends.
     */
    private int crlf(int from, int limit) {
        for (int i = from; i < limit; ) {
            int lf = pending.indexOf(i, limit, (byte) '\n');
            if (lf < 0) {
                return -1;
            }
            if (lf > from && pending.getByte(lf - 1) == '\r') {
                return lf - 1;
            }
            i = lf + 1;
        }
        return -1;
    }

    /** Feeds the pending content; null once it is all taken, or when the end of the message went to a worker. */
    private Response contentStep() {
        if (pending == null || !pending.isReadable()) {
            return null;
        }
        ByteBuffer in = pending.nioBuffer(); // a view of the received bytes, not a copy
        Response now = protocol.contentAtOnce(in);
        pending.skipBytes(in.position());
        if (now == null) {
            run(SmtpProtocol::contentComplete);
        }
        return now;
    }

    private void releaseConsumed() {
        if (pending != null && !pending.isReadable()) {
            pending.release();
            pending = null;
        } else if (pending != null) {
            pending.discardSomeReadBytes();
        }
    }

    /** Runs one protocol step on a worker; back on the event loop, its replies are written and processing goes on. */
    private void run(Function<SmtpProtocol, Response> step) {
        busy = true;
        try {
            workers.execute(() -> {
                Response response;
                try {
                    response = step.apply(protocol);
                } catch (RuntimeException e) {
                    LOG.error("{}: session failed: {}", id, e.toString(), e);
                    response = Response.close(Reply.closing(settings.hostname(), "4.3.0", "Error: local error in processing"));
                }
                Response done = response;
                ctx.executor().execute(() -> completed(done));
            });
        } catch (RejectedExecutionException e) {
            // The listener is shutting down.
            ctx.close();
        }
    }

    /** A step that was busy (on a worker, or waiting out its delay) has its response. */
    private void completed(Response response) {
        if (closed) {
            busy = false;
            finish();
            return;
        }
        if (response.delayMillis() > 0) {
            ctx.executor().schedule(() -> completed(response.delayedBy(0)), response.delayMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        busy = false;
        apply(response);
        process();
    }

    /** Writes the replies (flushed later, with the rest of a pipelined group) and moves to what comes next. */
    private void apply(Response response) {
        if (sentBeforeGoAhead(response)) {
            // RFC 2920 §3.1: what the client sent after DATA, before our 354, was sent blind: neither content nor commands.
            pending.release();
            pending = null;
            run(SmtpProtocol::pipelinedBeforeData);
            return;
        }
        for (SmtpReply reply : response.replies()) {
            ctx.write(ctx.alloc().buffer().writeBytes(Reply.wire(reply).getBytes(StandardCharsets.UTF_8)));
        }
        Response.Next before = mode;
        mode = response.next();
        if (mode == Response.Next.CLOSE) {
            ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
            // A client that reads nothing would keep the reply, and so the connection, unwritten forever.
            ctx.executor().schedule(() -> ctx.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (!response.replies().isEmpty() || mode != before) {
            startWait(); // the client speaks next: a new command line, or the content DATA or BDAT announced
        }
        if (mode == Response.Next.START_TLS) {
            startTls();
        }
    }

    /** Whether {@code response} is the 354 to DATA while input the client sent after DATA is already waiting. */
    private boolean sentBeforeGoAhead(Response response) {
        return response.next() == Response.Next.CONTENT && mode != Response.Next.CONTENT && pending != null && pending.isReadable()
                && response.replies().size() == 1 && response.replies().get(0).code() == 354;
    }

    /**
     * RFC 3207 §4: the 220 goes out in clear, then TLS begins. Whatever the client sent after STARTTLS in clear is
     * dropped, never read as commands inside TLS (CVE-2011-0411).
     */
    private void startTls() {
        ctx.flush();
        if (pending != null) {
            LOG.info("{}: dropping {} bytes pipelined after STARTTLS", id, pending.readableBytes());
            pending.release();
            pending = null;
        }
        skippingLongLine = false;
        awaitingHandshake = true;
        mode = Response.Next.COMMAND;
        ctx.pipeline().addBefore(ctx.name(), "tls", settings.tls().current().newHandler());
    }

    private void writeAndClose(SmtpReply reply) {
        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(Reply.wire(reply).getBytes(StandardCharsets.UTF_8)))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The client's turn begins: it has until {@link #currentLimit} from now, however it spreads its bytes. The timer
     * is moved earlier when the new limit ends before it would fire (DATA's timeout may be the shorter one).
     */
    private void startWait() {
        waitStarted = System.nanoTime();
        long check = nextCheckMillis(currentLimit());
        if (timer == null || timer.getDelay(TimeUnit.MILLISECONDS) > check) {
            if (timer != null) {
                timer.cancel(false);
            }
            scheduleTimeout(check);
        }
    }

    /**
     * RFC 5321 §4.5.3.2 times the client's silence; here the limits are deadlines instead (DESIGN.md: a byte a second
     * must not hold a slot for ever): a command line must be complete within the command timeout of the previous
     * reply, the whole DATA content from 354 to the final dot and each BDAT chunk within the data timeout. Under
     * stress, an untrusted client gets the stress timeout for each command line instead (Postfix's stress-adaptive
     * smtpd_timeout), so idle connections give their slots back quickly.
     */
    private long currentLimit() {
        if (mode == Response.Next.CONTENT) {
            return settings.dataTimeoutMillis();
        }
        long command = settings.commandTimeoutMillis();
        return !trusted && limits.stressed() ? Math.min(command, settings.stressTimeoutMillis()) : command;
    }

    /** Untrusted clients are checked at least every stress timeout while waiting for a command, to see stress begin. */
    private long nextCheckMillis(long remaining) {
        boolean mayStress = !trusted && mode != Response.Next.CONTENT;
        return Math.max(1, mayStress ? Math.min(remaining, settings.stressTimeoutMillis()) : remaining);
    }

    private void scheduleTimeout(long millis) {
        timer = ctx.executor().schedule(this::checkTimeout, millis, TimeUnit.MILLISECONDS);
    }

    private void checkTimeout() {
        if (closed) {
            return;
        }
        long limit = currentLimit();
        if (busy) {
            scheduleTimeout(nextCheckMillis(limit)); // our turn, not the client's: its wait starts with our reply
            return;
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitStarted);
        if (waited < limit) {
            scheduleTimeout(nextCheckMillis(limit - waited));
            return;
        }
        if (protocol == null) {
            ctx.close();
            return;
        }
        if (awaitingHandshake) {
            // No reply can go out: not in clear after STARTTLS's 220 (RFC 3207 §4), and not inside TLS before the
            // handshake has finished. So close now rather than after the grace a pending reply would get.
            LOG.info("{}: timeout during the TLS handshake from [{}]", id, client.getAddress().getHostAddress());
            ctx.close();
            return;
        }
        run(SmtpProtocol::timeout);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (!busy) {
            finish();
        }
    }

    /** The connection is gone: the protocol drops any message in progress (on a worker: it may touch the disk). */
    private void finish() {
        if (counted != null) {
            limits.release(counted, trusted, settings);
            counted = null;
            services.metrics().sessionClosed();
        }
        if (protocol != null) {
            SmtpProtocol p = protocol;
            protocol = null;
            LOG.debug("{}: disconnect from [{}]", id, p.session().clientAddress().getAddress().getHostAddress());
            if (p.closeAtOnce()) {
                return;
            }
            try {
                workers.execute(p::close);
            } catch (RejectedExecutionException e) {
                p.close();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.debug("{}: connection problem: {}", id, cause.toString());
        context.close();
    }
}
