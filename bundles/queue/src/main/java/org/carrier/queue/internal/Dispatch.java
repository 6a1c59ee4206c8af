package org.carrier.queue.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.carrier.api.queue.RecipientStatus;
import org.carrier.api.route.Router;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduling and delivery: a compact {@link Schedule} of what is due when, a scheduler thread that loads each
 * message when it becomes due while fewer than {@code activeLimit} are loaded, and a bounded pool of delivery
 * threads that run the attempts and write their outcomes.
 */
final class Dispatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatch.class);
    private static final long IDLE_WAIT_MILLIS = 1_000;

    private final Spool spool;
    private final Claims claims;
    private final QueueIds ids;
    private final Clock clock;
    private final Supplier<Router> router;
    private final Function<String, Transport> transports;
    private final Supplier<QueueSettings> settings;
    private final QueueMetrics metrics;
    private final Notifier notifier;
    private final Schedule schedule = new Schedule();
    private final ThreadPoolExecutor workers;
    private final Thread scheduler;
    private volatile boolean running = true;

    /** What an attempt needs besides the claims and the spool. */
    record Delivery(Supplier<Router> router, Function<String, Transport> transports, Notifier notifier) {
    }

    Dispatch(Spool spool, Claims claims, QueueIds ids, Clock clock, Supplier<QueueSettings> settings, QueueMetrics metrics,
             Delivery delivery, int threads) {
        this.spool = spool;
        this.claims = claims;
        this.ids = ids;
        this.clock = clock;
        this.settings = settings;
        this.metrics = metrics;
        this.router = delivery.router();
        this.transports = delivery.transports();
        this.notifier = delivery.notifier();
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> thread(r, "carrier-delivery"));
        this.scheduler = thread(this::runSchedule, "carrier-queue-scheduler");
    }

    /** Starts the scheduler thread (after recovery scheduled what the spool held). */
    void start() {
        scheduler.start();
    }

    /** Room for more active messages, e.g. a larger active limit or an attempt that ended. */
    void roomFreed() {
        schedule.roomFreed();
    }

    /** Whether a new message may go straight to a delivery thread: below the active limit. */
    boolean hasRoom() {
        return claims.activeCount() < settings.get().activeLimit();
    }

    /** A message that waits for something goes (back) into the schedule, at its next due time. */
    void reschedule(QueueEntry entry) {
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
                if (!hasRoom()) {
                    schedule.awaitRoom(IDLE_WAIT_MILLIS, () -> !hasRoom());
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
        if (!claims.claim(id)) {
            return; // an attempt or an operation has it; it reschedules when done
        }
        Optional<QueueEntry> loaded = spool.load(id);
        if (loaded.isEmpty() || loaded.get().held() || loaded.get().dueMillis() > clock.millis()
                || loaded.get().dueMillis() < 0) {
            claims.unclaim(id);
            return;
        }
        start(loaded.get());
    }

    /** The entry, claimed, goes to a delivery thread. @return whether it was submitted */
    boolean start(QueueEntry entry) {
        claims.begin(entry);
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
                QueueSettings current = settings.get();
                DeliveryRun run = new DeliveryRun(entry, spool, router.get(), transports, current, clock, metrics);
                run.run();
                notifier.afterAttempt(entry, before, run.successes(), current);
            }
            claims.locked(entry, () -> persist(entry, true));
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: delivery attempt failed, will retry: {}", entry.id(), e.toString());
            schedule.add(clock.instant().plus(settings.get().retryDelay(1)).toEpochMilli(), QueueIds.parse(entry.id()));
        } finally {
            entry.closeContent();
            release(entry);
        }
    }

    /**
     * Writes the entry's state, or removes it once every recipient is final or an operator deleted it. Only its
     * own attempt, done reading the content, lets the spool reuse the file (an operator's removal may come while
     * a transport still reads it). Called under the entry's lock ({@link Claims}).
     */
    void persist(QueueEntry entry, boolean attemptDone) throws IOException {
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

    /** Gives up the claim; the message goes back to the schedule if it still waits for something. */
    private void release(QueueEntry entry) {
        claims.end(entry);
        if (!entry.allFinal()) {
            reschedule(entry);
        }
        roomFreed();
    }

    /** Stops the threads; attempts not started yet are dropped, their messages are on disk for the next start. */
    @Override
    public void close() {
        running = false;
        scheduler.interrupt();
        workers.getQueue().clear();
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
