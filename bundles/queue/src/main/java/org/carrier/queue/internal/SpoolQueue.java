package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.carrier.api.message.Envelope;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.route.Router;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail queue, assembled: a {@link Spool} on disk; {@link Intake} receiving; {@link Dispatch} scheduling and
 * delivering at most {@code activeLimit} messages at once on a bounded pool of threads; {@link Inspector} and
 * {@link OperatorActions} for operators; {@link Claims}, the protocol by which they share a message. Plain Java;
 * the OSGi component only wires it, and each call here goes to the part whose job it is.
 */
final class SpoolQueue implements MailQueue, QueueOperations, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolQueue.class);

    private final Spool spool;
    private final QueueMetrics metrics = new QueueMetrics();
    private final Dispatch dispatch;
    private final Intake intake;
    private final Inspector inspector;
    private final OperatorActions operator;
    private volatile QueueSettings settings;
    /** How long an operator's change waits for the start-up listing of the spool before it is refused. */
    private static final Duration LISTING_WAIT = Duration.ofMinutes(1);

    private final CountDownLatch listed = new CountDownLatch(1);
    private final CountDownLatch recovered = new CountDownLatch(1);
    private volatile Thread recovery;
    private volatile boolean closing;

    SpoolQueue(Path root, QueueSettings settings, int threads, Clock clock, Supplier<Router> router,
               Function<String, Transport> transports) throws IOException {
        this.spool = new Spool(root);
        this.settings = settings;
        QueueIds ids = new QueueIds(clock);
        Claims claims = new Claims(metrics::moved);
        Notifier notifier = new Notifier(spool, this::queueNotification, clock);
        this.dispatch = new Dispatch(spool, claims, ids, clock, this::settings, metrics,
                new Dispatch.Delivery(router, transports, notifier), threads);
        this.intake = new Intake(spool, ids, clock, new Intake.Checks(new FreeSpace(root), this::settings, router), claims,
                dispatch, metrics);
        this.inspector = new Inspector(spool, claims, clock);
        this.operator = new OperatorActions(spool, claims, dispatch, inspector, clock, this::awaitListed);
    }

    /** The notifier's outbox: the intake, which hands new messages to the dispatch that runs the notifier. */
    private String queueNotification(Envelope envelope, byte[] message) throws IOException {
        return intake.queue(envelope, message);
    }

    /**
     * Start-up: starts delivering, so the queue receives at once, and starts a background thread that lists what a
     * previous run left in the spool (names only: seconds for a million messages), then reads the messages and schedules
     * them. Reading a large backlog takes minutes (a file opened and read a message), and mail accepted meanwhile is
     * queued and delivered without waiting for it. Issue 21: the listing was on this, the activation, thread, and held
     * back the SMTP listener by 5 s with a million messages.
     */
    void recover() {
        recover(() -> { }, entry -> { });
    }

    /**
     * {@link #recover()}, with {@code beforeListing} run on the recovery thread before it lists the spool and
     * {@code beforeScheduling} seeing each message read (tests pause the recovery there).
     */
    void recover(Runnable beforeListing, Consumer<QueueEntry> beforeScheduling) {
        long begun = System.nanoTime();
        dispatch.start();
        Thread reader = new Thread(() -> {
            try {
                beforeListing.run();
                long[] leftovers = listLeftovers(begun);
                if (leftovers.length > 0) {
                    readLeftovers(leftovers, beforeScheduling.andThen(this::recovered), begun);
                }
            } finally {
                listed.countDown();
                recovered.countDown();
            }
        }, "carrier-queue-recovery");
        reader.setDaemon(true);
        recovery = reader;
        reader.start();
    }

    /** The last run's message files; none if the spool cannot be listed (logged: they are read at the next start). */
    private long[] listLeftovers(long begun) {
        try {
            long[] leftovers = spool.listLeftovers();
            if (leftovers.length == 0) {
                LOG.info("queue recovered 0 message(s) from {} in {} ms", spool.root(), millisSince(begun));
            } else {
                LOG.info("queue: {} message file(s) in {}, listed in {} ms; reading them in the background",
                        leftovers.length, spool.root(), millisSince(begun));
            }
            return leftovers;
        } catch (IOException | RuntimeException e) {
            LOG.error("queue: the spool {} cannot be listed: {}; new mail is queued, what is in the spool is read at the"
                    + " next start", spool.root(), e.toString());
            return new long[0];
        } finally {
            listed.countDown();
        }
    }

    private void readLeftovers(long[] leftovers, Consumer<QueueEntry> each, long begun) {
        try {
            int count = spool.recover(leftovers, each, () -> !closing);
            if (closing) {
                LOG.info("queue: stopped reading the spool after {} message(s); the rest is read at the next start", count);
            } else {
                LOG.info("queue recovered {} message(s) from {} in {} ms", count, spool.root(), millisSince(begun));
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("queue: reading the spool stopped: {}; what was not read yet is read at the next start", e.toString());
        }
    }

    /**
     * Operators' changes wait for the listing (seconds, once, at start-up): it removes the last run's {@code .env.tmp}
     * files, and would take one that a change of a leftover message is writing.
     */
    private void awaitListed() {
        try {
            if (!listed.await(LISTING_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the queue is still listing its spool (start-up); try again shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the queue lists its spool", e);
        }
    }

    /** For tests: waits until the background reading of the spool is done. @return whether it is */
    boolean awaitRecovered(Duration timeout) throws InterruptedException {
        return recovered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** A message found in the spool at start-up: counted, and scheduled. */
    private void recovered(QueueEntry entry) {
        metrics.moved(null, QueueMetrics.MessageState.of(entry));
        dispatch.reschedule(entry);
    }

    QueueMetrics metrics() {
        return metrics;
    }

    QueueSettings settings() {
        return settings;
    }

    void updateSettings(QueueSettings newSettings) {
        this.settings = newSettings;
        dispatch.roomFreed(); // a larger active limit may let more messages in at once
    }

    @Override
    public IncomingMessage receive() throws IOException {
        return intake.receive();
    }

    @Override
    public boolean receivesAtOnce() {
        return intake.receivesAtOnce();
    }

    @Override
    public List<QueuedMessage> list(QueueFilter filter) {
        return inspector.list(filter);
    }

    @Override
    public Optional<QueuedMessage> show(String queueId) {
        return inspector.show(queueId);
    }

    @Override
    public Optional<String> headerSection(String queueId, int maxBytes) {
        return inspector.headerSection(queueId, maxBytes);
    }

    @Override
    public boolean hold(String queueId) {
        return operator.hold(queueId);
    }

    @Override
    public boolean release(String queueId) {
        return operator.release(queueId);
    }

    @Override
    public boolean delete(String queueId) {
        return operator.delete(queueId);
    }

    @Override
    public boolean retryNow(String queueId) {
        return operator.retryNow(queueId);
    }

    @Override
    public int retryDomain(String domain) {
        return operator.retryDomain(domain);
    }

    @Override
    public int retryAll() {
        return operator.retryAll();
    }

    @Override
    public int reroute(QueueFilter filter) {
        return operator.reroute(filter);
    }

    @Override
    public void close() {
        closing = true;
        Thread reader = recovery;
        if (reader != null) {
            try {
                reader.join(10_000); // it stops before its next message
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatch.close();
    }
}
