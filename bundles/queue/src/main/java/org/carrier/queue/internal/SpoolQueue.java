package org.carrier.queue.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.carrier.api.route.Router;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail queue: a {@link Spool} on disk, a compact {@link Schedule} of what is due when, and at most
 * {@code activeLimit} messages in memory, delivered on a bounded pool of threads. Plain Java; the OSGi
 * component only wires it.
 * <p>
 * A message is changed only by whoever holds its claim: the delivery attempt that loaded it, or an
 * operation that loaded it while no attempt was running. An operation on a message whose attempt is
 * running changes that attempt's entry under its lock instead, so both see one state.
 */
final class SpoolQueue implements MailQueue, QueueOperations, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolQueue.class);
    private static final long IDLE_WAIT_MILLIS = 1_000;

    private final Spool spool;
    private final Clock clock;
    private final QueueIds ids;
    private final Supplier<Router> router;
    private final Function<String, Transport> transports;
    private final FreeSpace freeSpace;
    private final Notifier notifier;
    private final Schedule schedule = new Schedule();
    private final QueueMetrics metrics = new QueueMetrics();
    private final Set<String> claims = ConcurrentHashMap.newKeySet();
    private final Map<String, QueueEntry> active = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor workers;
    private final Thread scheduler;
    private volatile boolean running = true;
    private volatile QueueSettings settings;

    SpoolQueue(Path root, QueueSettings settings, int threads, Clock clock, Supplier<Router> router,
               Function<String, Transport> transports) throws IOException {
        this.spool = new Spool(root);
        this.settings = settings;
        this.clock = clock;
        this.ids = new QueueIds(clock);
        this.router = router;
        this.transports = transports;
        this.freeSpace = new FreeSpace(root);
        this.notifier = new Notifier(spool, this::queueNotification, clock);
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> thread(r, "carrier-delivery"));
        this.scheduler = thread(this::runSchedule, "carrier-queue-scheduler");
    }

    /** Schedules what a previous run left in the spool, then starts delivering. */
    void recover() throws IOException {
        long begun = System.nanoTime();
        int count = spool.recover(this::recovered);
        LOG.info("queue recovered {} message(s) from {} in {} ms", count, spool.root(), (System.nanoTime() - begun) / 1_000_000);
        scheduler.start();
    }

    /** A message found in the spool at start-up: counted, and scheduled. */
    private void recovered(QueueEntry entry) {
        metrics.moved(null, QueueMetrics.MessageState.of(entry));
        reschedule(entry);
    }

    QueueMetrics metrics() {
        return metrics;
    }

    QueueSettings settings() {
        return settings;
    }

    void updateSettings(QueueSettings newSettings) {
        this.settings = newSettings;
        schedule.roomFreed(); // a larger active limit may let more messages in at once
    }

    // --- receiving ---

    @Override
    public IncomingMessage receive() throws IOException {
        freeSpace.check(settings.minFreeBytes());
        return receive(this::commitChecked);
    }

    @Override
    public boolean receivesAtOnce() {
        return spool.readyToReceive();
    }

    private IncomingMessage receive(SpoolIncomingMessage.Committer committer) throws IOException {
        String id = spool.reserve(ids::next);
        return new SpoolIncomingMessage(id, spool.contentFile(id), committer);
    }

    /** The space may have run out while the message came in: check again before it is queued. */
    private void commitChecked(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold)
            throws IOException {
        freeSpace.check(settings.minFreeBytes());
        commit(message, envelope, headers, hold);
    }

    private void commit(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold)
            throws IOException {
        QueueEntry entry = QueueEntry.arrived(message.queueId(), clock.instant(), expand(envelope), headers,
                message.size(), hold);
        // the one sync: content and envelope, in a file already in the directory
        FileChannel content = message.seal(Spool.trailer(entry));
        LOG.info("{}: from=<{}>, size={}, nrcpt={}{}", entry.id(), envelope.reversePath(), entry.size(),
                entry.envelope().recipients().size(), hold ? " (held)" : " (queue active)");
        entry.keepContentOpen(content);
        if (!admit(entry)) {
            entry.closeContent();
        }
    }

    /** A DSN: queued like any message, but past the free-space check (it is small, and owed to a sender). */
    private String queueNotification(Envelope envelope, byte[] message) throws IOException {
        try (IncomingMessage m = receive(this::commit)) {
            m.content().write(message);
            m.commit(envelope, List.of(), false);
            return m.queueId();
        }
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

    /**
     * A new message goes straight to a delivery thread while there is room, else into the schedule.
     *
     * @return whether an attempt was submitted (it then closes the entry's open content)
     */
    private boolean admit(QueueEntry entry) {
        metrics.moved(null, QueueMetrics.MessageState.of(entry));
        if (entry.held()) {
            return false;
        }
        if (active.size() < settings.activeLimit() && claims.add(entry.id())) {
            return start(entry);
        }
        reschedule(entry);
        return false;
    }

    // --- scheduling and delivery ---

    private void reschedule(QueueEntry entry) {
        long due = entry.dueMillis();
        if (!entry.held() && !entry.deleted() && due >= 0) {
            schedule.add(due, QueueIds.parse(entry.id()));
        }
    }

    /** The scheduler thread: loads each message when it becomes due, while fewer than the active limit are loaded. */
    private void runSchedule() {
        long lastSpoolSync = System.nanoTime();
        while (running) {
            try {
                if (System.nanoTime() - lastSpoolSync >= IDLE_WAIT_MILLIS * 1_000_000) {
                    spool.syncRecycled(); // removals of delivered messages reach the disk within about a second
                    lastSpoolSync = System.nanoTime();
                }
                if (active.size() >= settings.activeLimit()) {
                    schedule.awaitRoom(IDLE_WAIT_MILLIS, () -> active.size() >= settings.activeLimit());
                    continue;
                }
                long id = schedule.takeDue(clock.millis(), IDLE_WAIT_MILLIS);
                if (id >= 0) {
                    activate(QueueIds.format(id));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("queue scheduler: {}", e.toString());
            }
        }
    }

    /** Takes a schedule item: stale items (message gone, held, busy or not due yet) are dropped. */
    private void activate(String id) throws IOException {
        if (!claims.add(id)) {
            return; // an attempt or an operation has it; it reschedules when done
        }
        Optional<QueueEntry> loaded = spool.load(id);
        if (loaded.isEmpty() || loaded.get().held() || loaded.get().dueMillis() > clock.millis()
                || loaded.get().dueMillis() < 0) {
            claims.remove(id);
            return;
        }
        start(loaded.get());
    }

    /** The entry, claimed, goes to a delivery thread. @return whether it was submitted */
    private boolean start(QueueEntry entry) {
        metrics.moved(QueueMetrics.MessageState.of(entry), QueueMetrics.MessageState.ACTIVE);
        active.put(entry.id(), entry);
        return submit(entry);
    }

    private boolean submit(QueueEntry entry) {
        try {
            workers.execute(() -> attempt(entry));
            return true;
        } catch (RejectedExecutionException e) {
            release(entry); // shutting down: the entry is on disk and will be recovered at the next start
            return false;
        }
    }

    private void attempt(QueueEntry entry) {
        try {
            if (!entry.held() && !entry.deleted()) {
                List<RecipientStatus> before = entry.recipients();
                DeliveryRun run = new DeliveryRun(entry, spool, router.get(), transports, settings, clock, metrics);
                run.run();
                notifier.afterAttempt(entry, before, run.successes(), settings);
            }
            persist(entry, true);
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: delivery attempt failed, will retry: {}", entry.id(), e.toString());
            schedule.add(clock.instant().plus(settings.retryDelay(1)).toEpochMilli(), QueueIds.parse(entry.id()));
        } finally {
            entry.closeContent();
            release(entry);
        }
    }

    /**
     * Writes the entry's state, or removes it once every recipient is final or an operator deleted it. Only its
     * own attempt, done reading the content, lets the spool reuse the file (an operator's removal may come while
     * a transport still reads it).
     */
    private void persist(QueueEntry entry, boolean attemptDone) throws IOException {
        synchronized (entry) {
            if (attemptDone && !entry.deleted() && entry.allFinal()) {
                spool.removeDone(entry, ids::next);
                LOG.info("{}: removed", entry.id());
            } else if (entry.deleted() || entry.allFinal()) {
                spool.remove(entry.id());
                LOG.info("{}: removed{}", entry.id(), entry.deleted() ? " (deleted by an operator)" : "");
            } else {
                spool.writeEnvelope(entry);
            }
        }
    }

    /** Gives up the claim; the message goes back to the schedule if it still waits for something. */
    private void release(QueueEntry entry) {
        synchronized (entry) { // an operator's change comes before (counted here) or after (counted by it)
            metrics.moved(QueueMetrics.MessageState.ACTIVE, QueueMetrics.MessageState.of(entry));
            active.remove(entry.id());
        }
        claims.remove(entry.id());
        if (!entry.allFinal()) {
            reschedule(entry);
        }
        schedule.roomFreed();
    }

    // --- inspecting ---

    @Override
    public List<QueuedMessage> list() {
        return list(QueueFilter.any());
    }

    @Override
    public Optional<QueuedMessage> find(String queueId) {
        return show(queueId);
    }

    @Override
    public List<QueuedMessage> list(QueueFilter filter) {
        Instant now = clock.instant();
        List<QueuedMessage> found = new ArrayList<>();
        forEachQueued(message -> {
            if (filter.matches(message, now) && (filter.limit() == 0 || found.size() < filter.limit())) {
                found.add(message);
            }
        });
        return found;
    }

    @Override
    public Optional<QueuedMessage> show(String queueId) {
        QueueEntry busy = active.get(queueId);
        return busy != null ? Optional.of(busy.snapshot()) : spool.peek(queueId).map(QueueEntry::snapshot);
    }

    @Override
    public Optional<String> headerSection(String queueId, int maxBytes) {
        QueueEntry busy = active.get(queueId);
        Optional<QueueEntry> entry = busy != null ? Optional.of(busy) : spool.peek(queueId);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = new BufferedInputStream(spool.source(entry.get()).open())) {
            return Optional.of(headerSection(in, maxBytes));
        } catch (IOException e) {
            return Optional.empty(); // delivered and removed meanwhile
        }
    }

    /** RFC 5322 §2.1: the header section ends at the first empty line. */
    static String headerSection(InputStream in, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        int lineLength = 0;
        for (int b = in.read(); b >= 0 && out.size() < maxBytes; b = in.read()) {
            if (b == '\n' && lineLength == 0) {
                break;
            }
            lineLength = b == '\n' ? 0 : b == '\r' && previous != '\r' ? lineLength : lineLength + 1;
            out.write(b);
            previous = b;
        }
        String header = out.toString(StandardCharsets.UTF_8);
        return header.endsWith("\n\r") ? header.substring(0, header.length() - 1) : header; // not the empty line's CR
    }

    /** Every queued message, oldest first, read one at a time from the spool (or the attempt that holds it). */
    private void forEachQueued(Consumer<QueuedMessage> each) {
        try {
            for (String id : spool.queuedIds()) {
                show(id).ifPresent(each);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the spool: " + e.getMessage(), e);
        }
    }

    // --- operations ---

    @Override
    public boolean hold(String queueId) {
        return change(queueId, "held", entry -> entry.hold(true));
    }

    @Override
    public boolean release(String queueId) {
        return change(queueId, "released", entry -> {
            entry.hold(false);
            entry.makeDue(clock.instant(), r -> true);
        });
    }

    @Override
    public boolean delete(String queueId) {
        return change(queueId, "deleted", QueueEntry::delete);
    }

    @Override
    public boolean retryNow(String queueId) {
        return change(queueId, "retry now", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    @Override
    public int retryDomain(String domain) {
        QueueFilter filter = QueueFilter.any().withDomain(domain);
        return changeAll(filter, "retry now for " + filter.domain(),
                entry -> entry.makeDue(clock.instant(), r -> r.address().domain().equals(filter.domain())));
    }

    @Override
    public int retryAll() {
        return changeAll(QueueFilter.any().withHeld(false), "retry now", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    @Override
    public int reroute(QueueFilter filter) {
        return changeAll(filter, "re-route", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    private int changeAll(QueueFilter filter, String what, Consumer<QueueEntry> change) {
        int count = 0;
        for (QueuedMessage m : list(filter)) {
            if (change(m.queueId(), what, change)) {
                count++;
            }
        }
        return count;
    }

    /**
     * Applies an operator's change to one message and writes it to disk. If a delivery attempt holds the
     * message, the change is made to that attempt's entry (the attempt writes its outcome on top of it);
     * otherwise the operation claims the message itself for the moment.
     */
    private boolean change(String id, String what, Consumer<QueueEntry> change) {
        for (int tries = 0; tries < 1_000; tries++) {
            if (claims.add(id)) {
                return changeUnclaimed(id, what, change);
            }
            QueueEntry busy = active.get(id);
            if (busy != null) {
                Optional<Boolean> changed = changeWhileActive(busy, what, change);
                if (changed.isPresent()) {
                    return changed.get();
                }
                continue; // its attempt ended meanwhile: claim the message afresh
            }
            pause(); // the scheduler is just loading it
        }
        throw new IllegalStateException(id + ": busy, try again");
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Changes the entry of a running attempt, if it still is one once its lock is held: an attempt that ended in
     * between may already have been followed by another, with an entry of its own read from disk, and writing the
     * old entry then would race that attempt's write and could lose the change. (An attempt leaves {@link #active}
     * under the same lock, in {@link #release}.)
     *
     * @return empty if the attempt ended before the lock was taken
     */
    private Optional<Boolean> changeWhileActive(QueueEntry busy, String what, Consumer<QueueEntry> change) {
        synchronized (busy) {
            if (active.get(busy.id()) != busy) {
                return Optional.empty();
            }
            return Optional.of(changeEntry(busy, what, change));
        }
    }

    private boolean changeUnclaimed(String id, String what, Consumer<QueueEntry> change) {
        QueueEntry entry = null;
        try {
            entry = spool.load(id).orElse(null);
            return entry != null && changeEntry(entry, what, change);
        } catch (IOException e) {
            throw new IllegalStateException(id + ": " + e.getMessage(), e);
        } finally {
            claims.remove(id);
            if (entry != null && !entry.allFinal()) {
                reschedule(entry);
            }
        }
    }

    private boolean changeEntry(QueueEntry entry, String what, Consumer<QueueEntry> change) {
        synchronized (entry) {
            if (entry.deleted()) {
                return false;
            }
            QueueMetrics.MessageState before = QueueMetrics.MessageState.of(entry);
            change.accept(entry);
            try {
                persist(entry, false);
            } catch (IOException e) {
                throw new IllegalStateException(entry.id() + ": cannot write the change: " + e.getMessage(), e);
            }
            if (active.get(entry.id()) != entry) { // a running attempt counts its entry's state when it ends
                metrics.moved(before, QueueMetrics.MessageState.of(entry));
            }
        }
        LOG.info("{}: {} by an operator", entry.id(), what);
        return true;
    }

    @Override
    public void close() {
        running = false;
        scheduler.interrupt();
        workers.getQueue().clear(); // attempts not started yet: their messages are on disk for the next start
        workers.shutdown();
        spool.releaseReserved();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
            scheduler.join(5_000);
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
