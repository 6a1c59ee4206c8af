package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Group commit never returns before a sync that began after the call; the schedule hands out items in time order. */
class GroupSyncAndScheduleTest {

    private record Span(long start, long end) {
    }

    @Test
    void concurrentCallersShareSyncsButEachWaitsForOneThatStartedAfterIt() throws Exception {
        List<Span> syncs = new CopyOnWriteArrayList<>();
        GroupSync group = new GroupSync(() -> {
            long start = System.nanoTime();
            sleep(20); // a slow disk
            syncs.add(new Span(start, System.nanoTime()));
        });
        int callers = 40;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Span>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    long called = System.nanoTime();
                    group.sync();
                    return new Span(called, System.nanoTime());
                }));
            }
            go.countDown();
            for (Future<Span> f : calls) {
                Span call = f.get(10, TimeUnit.SECONDS);
                assertTrue(syncs.stream().anyMatch(s -> s.start() >= call.start() && s.end() <= call.end()),
                        "a caller returned without a sync that began after its call");
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(syncs.size() < callers / 4, "syncs were shared: " + syncs.size() + " for " + callers + " callers");
    }

    @Test
    void theScheduleGivesTheEarliestDueItemFirstAndWaitsForTheRest() throws Exception {
        Schedule schedule = new Schedule();
        Random random = new Random(42);
        List<Long> due = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) { // more than the initial capacity: it grows
            long at = random.nextInt(1_000_000);
            due.add(at);
            schedule.add(at, i);
        }
        assertEquals(-1, schedule.takeDue(-1, 1), "nothing is due before its time");
        long previous = -1;
        for (int i = 0; i < due.size(); i++) {
            long id = schedule.takeDue(Long.MAX_VALUE, 1);
            long at = due.get((int) id);
            assertTrue(at >= previous, "in time order");
            previous = at;
        }
        assertEquals(0, schedule.size());
        assertEquals(-1, schedule.takeDue(Long.MAX_VALUE, 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
