package org.carrier.queue.internal;

import static org.carrier.queue.internal.QueueFixture.SLOW;
import static org.carrier.queue.internal.QueueFixture.envelope;
import static org.carrier.queue.internal.QueueFixture.submit;
import static org.carrier.queue.internal.QueueFixture.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.queue.IncomingMessage;
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
        List<String> backlog = lastRunLeaves(20);
        RecordingTransport smtp = new RecordingTransport();
        SpoolQueue q = new SpoolQueue(root, SLOW, 2, Clock.systemUTC(), () -> QueueFixture.ROUTER, name -> smtp);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger read = new AtomicInteger();
        try {
            // The reading waits at its first message until the test lets it go; recover() must return all the same.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> q.recover(() -> { }, entry -> {
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

    /**
     * The listing of the spool runs on the recovery thread while this run reserves files, receives into them and
     * writes envelopes: it removes the last run's half-done files as before, and takes nothing of this run's for one
     * (a naive background listing deletes this run's reserved files and envelopes being written, and reads its
     * messages a second time). Operators' changes wait until it is done.
     */
    @Test
    void theListingInTheBackgroundCleansTheLastRunsFilesAndLeavesThisRunsAlone() throws Exception {
        List<String> backlog = lastRunLeaves(5);
        long oldest = QueueIds.parse(backlog.get(0));
        Path queue = root.resolve("queue");
        // what a kill -9 of the last run leaves: an envelope being written, the rest of a removal, a partial reception
        Path lastRunsTemp = Files.writeString(queue.resolve(backlog.get(1) + ".env.tmp"), "carrier-envelope 1\nid ");
        Path lastRunsOrphan = Files.writeString(queue.resolve(QueueIds.format(oldest - 1) + ".env"), "carrier-envelope 1\n");
        Path lastRunsPartial = Files.writeString(root.resolve("incoming/" + QueueIds.format(oldest - 2)), "Subject: cut\r\n");
        List<Path> lastRunsFiles = files(queue);

        RecordingTransport smtp = new RecordingTransport();
        SpoolQueue q = new SpoolQueue(root, SLOW, 2, Clock.systemUTC(), () -> QueueFixture.ROUTER, name -> smtp);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger read = new AtomicInteger();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> q.recover(() -> awaitQuietly(go), entry -> read.incrementAndGet()),
                    "recover() waited for the listing");
            // While the listing waits: this run receives, keeps a held message, has a session in DATA, an envelope
            // and a rewrite being written, and an operator's change waiting.
            String fresh = submit(q, envelope("new@relay.test"), false);
            assertTrue(waitFor(() -> smtp.requests.size() == 1), "mail accepted before the listing is delivered");
            assertEquals(fresh, smtp.requests.get(0).queueId());
            String heldNew = submit(q, envelope("held@relay.test"), true);
            IncomingMessage receiving = q.receive();
            receiving.content().write("Subject: still coming\r\n".getBytes(StandardCharsets.US_ASCII));
            receiving.content().flush();
            Files.writeString(queue.resolve(heldNew + ".env.tmp"), "carrier-envelope 1\nid ");
            Files.writeString(root.resolve("incoming/" + receiving.queueId() + ".edit"), "Subject: rewritten\r\n");
            List<Path> thisRunsFiles = files(queue).stream().filter(f -> !lastRunsFiles.contains(f)).toList();
            assertTrue(thisRunsFiles.size() > 60, "a batch of files reserved: " + thisRunsFiles.size());
            CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> q.hold(backlog.get(0)));
            Thread.sleep(200);
            assertFalse(held.isDone(), "an operator's change waits for the listing");

            go.countDown();
            assertTrue(q.awaitRecovered(Duration.ofSeconds(10)));
            assertTrue(held.get(10, TimeUnit.SECONDS), "the change is made once the spool is listed");
            assertEquals(5, read.get(), "the last run's messages read once each, none of this run's");
            assertFalse(Files.exists(lastRunsTemp) || Files.exists(lastRunsOrphan) || Files.exists(lastRunsPartial),
                    "the last run's half-done files are removed");
            for (Path file : thisRunsFiles) {
                assertTrue(Files.exists(file), "this run's file is kept: " + file.getFileName());
            }
            assertTrue(Files.exists(queue.resolve(heldNew + ".env.tmp")));
            assertTrue(Files.exists(root.resolve("incoming/" + receiving.queueId() + ".edit")));

            receiving.content().write("\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            receiving.commit(envelope("late@relay.test"), List.of(), false);
            receiving.close();
            for (int i = 0; i < 70; i++) {
                submit(q, envelope("later" + i + "@relay.test"), false); // into the files reserved during the listing
            }
            assertTrue(waitFor(() -> smtp.requests.size() == 72), "every message of this run delivered once");
            List<String> queued = new ArrayList<>(backlog);
            queued.add(heldNew);
            assertEquals(queued, ids(q.list(QueueFilter.any())));
        } finally {
            go.countDown();
            q.close();
        }
    }

    /** A run that queued {@code count} held messages and stopped: the next run's backlog. */
    private List<String> lastRunLeaves(int count) throws Exception {
        List<String> backlog = new ArrayList<>();
        try (QueueFixture before = new QueueFixture(root)) {
            SpoolQueue first = before.queue(SLOW);
            for (int i = 0; i < count; i++) {
                backlog.add(submit(first, envelope("old" + i + "@relay.test"), true));
            }
        }
        return backlog;
    }

    private static List<Path> files(Path folder) throws java.io.IOException {
        try (var list = Files.list(folder)) {
            return list.sorted().toList();
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
