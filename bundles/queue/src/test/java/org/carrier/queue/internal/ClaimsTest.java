package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.queue.internal.QueueMetrics.MessageState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The claim protocol's races, each forced into its bad order with real threads (no sleeps that hope for an order):
 * a thread is let on only once the other is seen waiting for the entry's lock. Every wait is bounded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClaimsTest {
    private static final String ID = "38GCDSEGA002";
    private static final Recipient BOB = Recipient.of(MailAddress.parse("bob@relay.test"));

    private final AtomicReference<QueueEntry> onDisk = new AtomicReference<>(deferred());

    /** A message waiting for its retry, as the spool would give it. */
    private static QueueEntry deferred() {
        Envelope envelope = new Envelope(MailAddress.parse("alice@client.test"), Map.of(), List.of(BOB));
        QueueEntry entry = QueueEntry.arrived(ID, Instant.parse("2026-12-06T20:00:00Z"), envelope, List.of(), 100, false);
        entry.record(BOB, DeliveryState.DEFERRED, Instant.parse("2026-12-06T20:05:00Z"), new SmtpReply(451, "4.4.1", "later"), null);
        return entry;
    }

    private Optional<QueueEntry> load(String id) {
        return Optional.ofNullable(onDisk.get());
    }

    private static void noReschedule(QueueEntry entry) {
    }

    /**
     * The fix of c32844e: an operation that found attempt A running and waited for A's lock, while A ended and the
     * next attempt B started with an entry of its own read from disk, must change B's entry. Changing A's (stale)
     * entry would be lost: B writes its outcome over it.
     */
    @Test
    void aChangeThatWaitedForAnEndedAttemptGoesToTheNextAttemptsEntry() throws Exception {
        Claims claims = new Claims((from, to) -> { });
        QueueEntry a = deferred();
        QueueEntry b = deferred();
        assertTrue(claims.claim(ID));
        claims.begin(a);
        ExecutorService operator = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Future<Boolean>> held = new AtomicReference<>();
            AtomicReference<Thread> operatorThread = new AtomicReference<>();
            claims.locked(a, () -> { // attempt A writes its outcome; the operator comes and waits for the lock
                held.set(operator.submit(() -> {
                    operatorThread.set(Thread.currentThread());
                    return claims.change(ID, this::load, e -> e.hold(true), ClaimsTest::noReschedule);
                }));
                awaitBlocked(operatorThread);
                claims.end(a); // A is over, and B loads the message and starts, all before the operator gets the lock
                assertTrue(claims.claim(ID));
                claims.begin(b);
            });
            assertTrue(held.get().get(10, TimeUnit.SECONDS));
            assertTrue(b.held(), "the change reached the running attempt's entry");
            assertFalse(a.held(), "the ended attempt's entry was left alone");
            assertFalse(onDisk.get().held(), "no write beside the running attempt's");
        } finally {
            operator.shutdownNow();
        }
        claims.end(b);
    }

    /**
     * The fix of ae9728e: an attempt leaves the active set under the entry's lock, so an operator's change is counted
     * once, by the attempt's end if it came first, else by the operation. Without the lock, a change between the
     * end's count and its leaving the active set was counted by neither: the counts said deferred, the message was held.
     */
    @Test
    void aChangeDuringAnAttemptsEndIsCountedOnce() throws Exception {
        Map<MessageState, Integer> counts = new EnumMap<>(MessageState.class);
        CountDownLatch endCounting = new CountDownLatch(1);
        CountDownLatch endMayGoOn = new CountDownLatch(1);
        Claims claims = new Claims((from, to) -> {
            if (from == MessageState.ACTIVE) { // the attempt's end: it waits here until the operator has tried
                endCounting.countDown();
                await(endMayGoOn);
            }
            synchronized (counts) {
                counts.merge(from, -1, Integer::sum);
                counts.merge(to, 1, Integer::sum);
            }
        });
        counts.put(MessageState.DEFERRED, 1); // recovered from the spool
        QueueEntry a = deferred();
        assertTrue(claims.claim(ID));
        claims.begin(a);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> end = threads.submit(() -> claims.end(a));
            assertTrue(endCounting.await(10, TimeUnit.SECONDS));
            AtomicReference<Thread> operatorThread = new AtomicReference<>();
            Future<Boolean> held = threads.submit(() -> {
                operatorThread.set(Thread.currentThread());
                return claims.change(ID, this::load, e -> e.hold(true), ClaimsTest::noReschedule);
            });
            awaitBlockedOrDone(operatorThread, held);
            endMayGoOn.countDown();
            end.get(10, TimeUnit.SECONDS);
            assertTrue(held.get(10, TimeUnit.SECONDS));
        } finally {
            endMayGoOn.countDown();
            threads.shutdownNow();
        }
        assertEquals(Map.of(MessageState.ACTIVE, 0, MessageState.DEFERRED, 0, MessageState.HOLD, 1), counts, "one message, held");
        assertEquals(0, claims.activeCount());
    }

    /** A message the scheduler has claimed but not started yet: the operation waits and changes the started entry. */
    @Test
    void aChangeWaitsForAMessageTheSchedulerIsLoading() throws Exception {
        Claims claims = new Claims((from, to) -> { });
        assertTrue(claims.claim(ID)); // the scheduler is loading it
        ExecutorService operator = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Thread> operatorThread = new AtomicReference<>();
            Future<Boolean> held = operator.submit(() -> {
                operatorThread.set(Thread.currentThread());
                return claims.change(ID, this::load, e -> e.hold(true), ClaimsTest::noReschedule);
            });
            awaitState(operatorThread, Thread.State.TIMED_WAITING); // pausing between tries
            QueueEntry loaded = deferred();
            claims.begin(loaded);
            assertTrue(held.get(10, TimeUnit.SECONDS));
            assertTrue(loaded.held(), "changed on the attempt's entry");
            assertFalse(onDisk.get().held(), "not on a second copy read beside it");
            claims.end(loaded);
        } finally {
            operator.shutdownNow();
        }
    }

    /** An operator's delete of a running attempt's entry: a second change finds it deleted, the scheduler cannot claim it. */
    @Test
    void aDeletedEntryIsNotChangedAgainAndStaysClaimedUntilItsAttemptEnds() {
        Claims claims = new Claims((from, to) -> { });
        QueueEntry a = deferred();
        assertTrue(claims.claim(ID));
        claims.begin(a);
        assertTrue(claims.change(ID, this::load, QueueEntry::delete, ClaimsTest::noReschedule));
        assertTrue(a.deleted());
        assertFalse(claims.change(ID, this::load, e -> e.hold(true), ClaimsTest::noReschedule), "deleted: nothing to change");
        assertFalse(a.held());
        assertFalse(claims.claim(ID), "its attempt still has it");
        claims.end(a);
        onDisk.set(null); // the attempt removed its files
        assertFalse(claims.change(ID, this::load, e -> e.hold(true), ClaimsTest::noReschedule), "gone");
        assertTrue(claims.claim(ID), "the operation gave its claim up");
    }

    /** An idle message changed by an operator: claimed for the change only, then handed back to be scheduled. */
    @Test
    void anIdleMessageIsChangedUnderTheOperationsOwnClaimAndThenScheduled() {
        Claims claims = new Claims((from, to) -> { });
        AtomicReference<QueueEntry> rescheduled = new AtomicReference<>();
        assertTrue(claims.change(ID, this::load, e -> {
            assertFalse(claims.claim(ID), "no attempt may start while the operation changes it");
            e.hold(true);
        }, rescheduled::set));
        assertTrue(onDisk.get().held());
        assertSame(onDisk.get(), rescheduled.get());
        assertTrue(claims.claim(ID), "claim given up");
    }

    /** Many threads claiming one message at once (scheduler, admission, operations): exactly one gets it. */
    @Test
    void oneClaimAtATime() throws Exception {
        Claims claims = new Claims((from, to) -> { });
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 50; round++) {
                List<CompletableFuture<Boolean>> tries = IntStream.range(0, threads).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return claims.claim(ID);
                }, pool)).toList();
                long winners = 0;
                for (CompletableFuture<Boolean> t : tries) {
                    winners += t.get(10, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertEquals(1, winners, "round " + round);
                claims.unclaim(ID);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitBlocked(AtomicReference<Thread> thread) {
        if (!awaitState(thread, Thread.State.BLOCKED, null)) {
            throw new AssertionError("the thread never waited for the lock");
        }
    }

    private static void awaitState(AtomicReference<Thread> thread, Thread.State state) {
        if (!awaitState(thread, state, null)) {
            throw new AssertionError("the thread never reached " + state);
        }
    }

    /** The fixed protocol makes the operator wait for the lock; a broken one lets it finish at once. */
    private static void awaitBlockedOrDone(AtomicReference<Thread> thread, Future<?> task) {
        if (!awaitState(thread, Thread.State.BLOCKED, task) && !task.isDone()) {
            throw new AssertionError("the operator neither waited for the lock nor finished");
        }
    }

    /** Waits (at most 10 s) until the thread is in that state, or the task (if any) is done. */
    private static boolean awaitState(AtomicReference<Thread> thread, Thread.State state, Future<?> task) {
        for (int i = 0; i < 10_000 && (task == null || !task.isDone()); i++) {
            Thread t = thread.get();
            if (t != null && t.getState() == state) {
                return true;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return false;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
