package org.carrier.queue.internal;

import static org.carrier.queue.internal.QueueFixture.SLOW;
import static org.carrier.queue.internal.QueueFixture.envelope;
import static org.carrier.queue.internal.QueueFixture.submit;
import static org.carrier.queue.internal.QueueFixture.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueuedMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up with a backlog: the spool is read in the background (issue 21: a million deferred messages must not hold
 * back the SMTP greeting), mail accepted meanwhile is delivered at once, and the reading takes nothing of this run's
 * (its reserved empty files, its new messages) for leftovers of the last one.
 */
class RecoveryInBackgroundTest {
    @TempDir
    Path root;

    @Test
    void mailAcceptedWhileTheBacklogIsReadIsDeliveredFirst() throws Exception {
        List<String> backlog = new ArrayList<>();
        try (QueueFixture before = new QueueFixture(root)) {
            SpoolQueue first = before.queue(SLOW);
            for (int i = 0; i < 20; i++) {
                backlog.add(submit(first, envelope("old" + i + "@relay.test"), true));
            }
        }
        RecordingTransport smtp = new RecordingTransport();
        SpoolQueue q = new SpoolQueue(root, SLOW, 2, Clock.systemUTC(), () -> QueueFixture.ROUTER, name -> smtp);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger read = new AtomicInteger();
        try {
            // The reading waits at its first message until the test lets it go; recover() must return all the same.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> q.recover(entry -> {
                read.incrementAndGet();
                awaitQuietly(go);
            }), "recover() waited for the backlog to be read");

            String fresh = submit(q, envelope("new@relay.test"), false);

            assertTrue(waitFor(() -> smtp.requests.size() == 1), "the new message is delivered while the backlog is read");
            assertEquals(fresh, smtp.requests.get(0).queueId());
            assertEquals(1, read.get(), "the reading is still at its first message");

            go.countDown();
            assertTrue(q.awaitRecovered(Duration.ofSeconds(10)));
            assertEquals(backlog, ids(q.list(QueueFilter.any())), "every message of the backlog recovered, the new one gone");
            assertEquals(20, read.get(), "each leftover read once; the new message and the reserved files are not leftovers");

            // The files this run reserved before and during the reading are still there to receive into.
            List<String> later = new ArrayList<>();
            for (int i = 0; i < 70; i++) {
                later.add(submit(q, envelope("later" + i + "@relay.test"), false));
            }
            assertTrue(waitFor(() -> smtp.requests.size() == 71), "every later message delivered");
            assertEquals(backlog, ids(q.list(QueueFilter.any())));
        } finally {
            go.countDown();
            q.close();
        }
    }

    private static List<String> ids(List<QueuedMessage> messages) {
        return messages.stream().map(QueuedMessage::queueId).sorted().toList();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
