package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.route.Router;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail queue: a {@link Spool} on disk, the entries in memory, and the scheduling of delivery
 * attempts on a bounded pool of threads. Plain Java; the OSGi component only wires it.
 */
final class SpoolQueue implements MailQueue, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolQueue.class);

    private final Spool spool;
    private final Clock clock;
    private final QueueIds ids;
    private final Supplier<Router> router;
    private final Function<String, Transport> transports;
    private final Map<String, QueueEntry> entries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final ExecutorService workers;
    private volatile QueueSettings settings;

    SpoolQueue(Path root, QueueSettings settings, int threads, Clock clock, Supplier<Router> router,
               Function<String, Transport> transports) throws IOException {
        this.spool = new Spool(root);
        this.settings = settings;
        this.clock = clock;
        this.ids = new QueueIds(clock);
        this.router = router;
        this.transports = transports;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "carrier-queue-timer"));
        this.workers = Executors.newFixedThreadPool(threads, r -> thread(r, "carrier-delivery"));
    }

    /** Loads what a previous run left in the spool and schedules it. */
    void recover() throws IOException {
        List<QueueEntry> recovered = spool.recover();
        for (QueueEntry entry : recovered) {
            entries.put(entry.id(), entry);
            scheduleNext(entry);
        }
        LOG.info("queue recovered {} message(s) from {}", recovered.size(), spool.root());
    }

    QueueSettings settings() {
        return settings;
    }

    void updateSettings(QueueSettings newSettings) {
        this.settings = newSettings;
    }

    @Override
    public IncomingMessage receive() throws IOException {
        String id = ids.next();
        while (entries.containsKey(id) || Files.exists(spool.contentFile(id))) {
            id = ids.next(); // a clock set back since an earlier run must never make a queued message be overwritten
        }
        return new SpoolIncomingMessage(id, spool.incomingFile(id), this::commit);
    }

    private void commit(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold)
            throws IOException {
        QueueEntry entry = QueueEntry.arrived(message.queueId(), clock.instant(), expand(envelope), headers,
                message.size(), hold);
        try {
            spool.commit(entry);
        } catch (IOException e) {
            Files.deleteIfExists(spool.contentFile(entry.id()));
            throw e;
        }
        entries.put(entry.id(), entry);
        LOG.info("{}: from=<{}>, size={}, nrcpt={}{}", entry.id(), envelope.reversePath(), entry.size(),
                envelope.recipients().size(), hold ? " (held)" : " (queue active)");
        scheduleNext(entry);
    }

    /** Alias and virtual mailbox expansion, once, as the message enters the queue; duplicates delivered once. */
    private Envelope expand(Envelope envelope) {
        Router current = router.get();
        if (current == null) {
            return envelope;
        }
        Map<MailAddress, Recipient> expanded = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            current.expand(r).forEach(e -> expanded.putIfAbsent(e.address(), e));
        }
        return envelope.withRecipients(List.copyOf(expanded.values()));
    }

    @Override
    public List<QueuedMessage> list() {
        return entries.values().stream().sorted(Comparator.comparing(QueueEntry::arrival).thenComparing(QueueEntry::id))
                .map(QueueEntry::snapshot).toList();
    }

    @Override
    public Optional<QueuedMessage> find(String queueId) {
        return Optional.ofNullable(entries.get(queueId)).map(QueueEntry::snapshot);
    }

    private void scheduleNext(QueueEntry entry) {
        if (entry.held()) {
            return;
        }
        entry.nextAttempt().ifPresent(at -> {
            long delay = at == Instant.MIN ? 0 : Math.max(0, Duration.between(clock.instant(), at).toMillis());
            try {
                timer.schedule(() -> submit(entry), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // shutting down: the entry is on disk and will be recovered at the next start
            }
        });
    }

    private void submit(QueueEntry entry) {
        try {
            workers.execute(() -> attempt(entry));
        } catch (RejectedExecutionException e) {
            // shutting down; recovered at the next start
        }
    }

    private void attempt(QueueEntry entry) {
        if (!entry.tryStart()) {
            return; // another attempt is running; it schedules what remains
        }
        try {
            new DeliveryRun(entry, spool, router.get(), transports, settings, clock).run();
            if (entry.allFinal()) {
                spool.remove(entry.id());
                entries.remove(entry.id());
                LOG.info("{}: removed", entry.id());
            } else {
                spool.writeEnvelope(entry);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: delivery attempt failed, will retry: {}", entry.id(), e.toString());
        } finally {
            entry.finish();
        }
        if (entries.containsKey(entry.id())) {
            scheduleNext(entry);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
