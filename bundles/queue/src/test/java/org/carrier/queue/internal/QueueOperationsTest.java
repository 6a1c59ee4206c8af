package org.carrier.queue.internal;

import static org.carrier.queue.internal.QueueFixture.FAST;
import static org.carrier.queue.internal.QueueFixture.SLOW;
import static org.carrier.queue.internal.QueueFixture.envelope;
import static org.carrier.queue.internal.QueueFixture.submit;
import static org.carrier.queue.internal.QueueFixture.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueUnavailableException;
import org.carrier.api.queue.QueuedMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hold, release, delete, retry, re-route and list filters; the free-space threshold; the active limit. */
class QueueOperationsTest {
    @TempDir
    Path root;

    private QueueFixture fixture;

    private QueueFixture fixture() {
        if (fixture == null) {
            fixture = new QueueFixture(root);
        }
        return fixture;
    }

    @AfterEach
    void close() {
        fixture().close();
    }

    private List<String> ids(List<QueuedMessage> messages) {
        return messages.stream().map(QueuedMessage::queueId).toList();
    }

    @Test
    void heldMessagesWaitUntilReleasedAndAreThenDelivered() throws Exception {
        SpoolQueue q = fixture().queue(SLOW);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        String held = submit(q, envelope("carol@relay.test"), true);
        Thread.sleep(300);
        assertEquals(1, fixture.smtp.requests.size(), "only the first was delivered");
        assertTrue(q.show(held).orElseThrow().held());
        assertTrue(new Spool(root).peek(held).orElseThrow().held(), "on disk");

        assertTrue(q.release(held));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "released and delivered");
        assertEquals(held, fixture.smtp.requests.get(1).queueId());
        assertFalse(q.release(id), "a message that is gone cannot be released");
    }

    @Test
    void holdStopsRetriesAndDeleteRemovesWithoutDsn() throws Exception {
        fixture().smtp.answer = r -> new SmtpReply(451, "4.4.1", "host down");
        SpoolQueue q = fixture.queue(FAST);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> fixture.smtp.requests.size() >= 2), "retried every 200 ms");
        assertTrue(q.hold(id));
        Thread.sleep(300); // an attempt running while it was put on hold finishes
        int attempts = fixture.smtp.requests.size();
        Thread.sleep(600);
        assertEquals(attempts, fixture.smtp.requests.size(), "no attempt while held");
        assertEquals(List.of(id), ids(q.list(QueueFilter.any().withHeld(true))));

        assertTrue(q.delete(id));
        assertTrue(q.list(QueueFilter.any()).isEmpty());
        try (Stream<Path> files = Files.list(root.resolve("queue")).filter(p -> p.toFile().length() > 0)) {
            assertEquals(0, files.count(), "both files are gone (empty ones are reserved for new mail)");
        }
        assertTrue(fixture.smtp.notifications().isEmpty(), "a deletion sends no DSN");
        assertFalse(q.delete(id));
    }

    @Test
    void deletingWhileAnAttemptRunsKeepsItDeleted() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        fixture().smtp.answer = r -> {
            inside.countDown();
            await(go);
            return new SmtpReply(451, "4.4.1", "host down");
        };
        SpoolQueue q = fixture.queue(FAST);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        assertTrue(q.delete(id), "the running attempt's entry is marked");
        go.countDown();
        Thread.sleep(500);
        assertTrue(q.show(id).isEmpty());
        assertFalse(Files.exists(root.resolve("queue/" + id + ".env")), "the attempt did not write it back");
        assertEquals(1, fixture.smtp.requests.size(), "and it was not tried again");
    }

    @Test
    void retryNowForOneMessageADomainOrAllSkipsTheBackoff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        fixture().smtp.answer = r -> {
            calls.incrementAndGet();
            return new SmtpReply(451, "4.4.1", "host down");
        };
        SpoolQueue q = fixture.queue(SLOW);
        String relay = submit(q, envelope("bob@relay.test"), false);
        String other = submit(q, envelope("carol@other.test"), false);
        assertTrue(waitFor(() -> calls.get() == 2));
        assertTrue(waitFor(() -> q.list(QueueFilter.any().withState(DeliveryState.DEFERRED)).size() == 2));

        assertTrue(q.retryNow(relay));
        assertTrue(waitFor(() -> calls.get() == 3));
        assertEquals(relay, fixture.smtp.requests.get(2).queueId());

        assertEquals(1, q.retryDomain("OTHER.test"));
        assertTrue(waitFor(() -> calls.get() == 4));
        assertEquals(other, fixture.smtp.requests.get(3).queueId());

        fixture.smtp.answer = r -> new SmtpReply(250, "2.0.0", "ok");
        assertEquals(2, q.retryAll());
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "both delivered at once, an hour before their retry time");
    }

    @Test
    void rerouteSendsWaitingRecipientsWhereTheRoutesNowLead() throws Exception {
        fixture().smtp.answer = r -> new SmtpReply(451, "4.4.1", "host down");
        SpoolQueue q = fixture.queue(SLOW);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> q.show(id).map(m -> m.recipients().get(0).state() == DeliveryState.DEFERRED).orElse(false)));
        fixture.smtp.answer = r -> new SmtpReply(250, "2.0.0", "ok"); // "the route was fixed"
        assertEquals(1, q.reroute(QueueFilter.any().withDomain("relay.test")));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        assertEquals(2, fixture.smtp.requests.size());
    }

    @Test
    void bulkChangesGoThroughTheSpoolOneMessageAtATimeAndStopAtTheFiltersLimit() throws Exception {
        fixture().smtp.answer = r -> new SmtpReply(451, "4.4.1", "host down");
        SpoolQueue q = fixture.queue(SLOW);
        for (int i = 0; i < 5; i++) {
            submit(q, envelope("rcpt" + i + "@relay.test"), false);
        }
        assertTrue(waitFor(() -> q.list(QueueFilter.any().withState(DeliveryState.DEFERRED)).size() == 5));
        fixture.smtp.answer = r -> new SmtpReply(250, "2.0.0", "ok");

        assertEquals(2, q.reroute(QueueFilter.any().withDomain("relay.test").withLimit(2)));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).size() == 3), "two delivered, three still waiting");
        assertEquals(0, q.reroute(QueueFilter.any().withDomain("other.test")));
        assertEquals(3, q.retryAll());
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
    }

    @Test
    void listFiltersBySenderRecipientDomainStateAndAge() throws Exception {
        SpoolQueue q = fixture().queue(SLOW);
        String a = submit(q, envelope("bob@relay.test"), true);
        String b = submit(q, envelope("carol@other.test", "dave@relay.test"), true);
        assertEquals(List.of(a, b), ids(q.list(QueueFilter.any())));
        assertEquals(List.of(b), ids(q.list(QueueFilter.any().withRecipient("CAROL"))));
        assertEquals(List.of(b), ids(q.list(QueueFilter.any().withDomain("other.test"))));
        assertEquals(List.of(a, b), ids(q.list(QueueFilter.any().withSender("client.test"))));
        assertEquals(List.of(), ids(q.list(QueueFilter.any().withSender(""))), "no null-sender mail");
        assertEquals(List.of(a, b), ids(q.list(QueueFilter.any().withState(DeliveryState.PENDING))));
        assertEquals(List.of(), ids(q.list(QueueFilter.any().withState(DeliveryState.DEFERRED))));
        assertEquals(List.of(a), ids(q.list(QueueFilter.any().withLimit(1))));
        assertEquals(List.of(), ids(q.list(QueueFilter.any().withMinAge(Duration.ofMinutes(1)))));

        SpoolQueue later = new QueueFixture(root).queue(SLOW, Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));
        try {
            assertEquals(List.of(a, b), ids(later.list(QueueFilter.any().withMinAge(Duration.ofHours(1)))));
            assertEquals(List.of(), ids(later.list(QueueFilter.any().withMaxAge(Duration.ofHours(1)))));
        } finally {
            later.close();
        }
    }

    @Test
    void belowTheFreeSpaceThresholdNewMailGets452AndServiceResumesByItself() throws Exception {
        SpoolQueue q = fixture().queue(SLOW);
        String queued = submit(q, envelope("bob@relay.test"), true);
        IncomingMessage inProgress = q.receive();
        inProgress.content().write("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

        q.updateSettings(SLOW.withMinFreeBytes(Long.MAX_VALUE)); // more than any disk has: "the disk is full"
        IOException refused = assertThrows(IOException.class, q::receive);
        QueueUnavailableException unavailable = assertInstanceOf(QueueUnavailableException.class, refused);
        assertEquals(452, unavailable.reply().code());
        assertEquals("4.3.1", unavailable.reply().enhancedStatus());
        QueueUnavailableException atCommit = assertThrows(QueueUnavailableException.class,
                () -> inProgress.commit(envelope("x@relay.test"), List.of(), false));
        assertEquals(452, atCommit.reply().code());
        inProgress.close();
        assertEquals(List.of(queued), ids(q.list(QueueFilter.any())), "what was queued is untouched");
        assertTrue(q.release(queued), "and can still be changed and delivered");

        q.updateSettings(SLOW.withMinFreeBytes(1));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        submit(q, envelope("after@relay.test"), false);
        assertTrue(waitFor(() -> fixture.smtp.requests.size() == 2), "accepting and delivering again");
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        assertFalse(Files.exists(root.resolve("queue/" + inProgress.queueId() + ".msg")), "the refused message left nothing behind");
    }

    @Test
    void neverMoreMessagesInMemoryThanTheActiveLimit() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        fixture().smtp.answer = r -> {
            peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            await(go);
            concurrent.decrementAndGet();
            return new SmtpReply(250, "2.0.0", "ok");
        };
        SpoolQueue first = fixture.queue(SLOW);
        List<String> held = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            held.add(submit(first, envelope("r" + i + "@relay.test"), true));
        }
        first.close();
        // A restart with a backlog of 30 and room for 3: the backlog stays on disk until there is room.
        SpoolQueue q = new SpoolQueue(root, SLOW.withActiveLimit(3), 8, Clock.systemUTC(), () -> QueueFixture.ROUTER,
                name -> fixture.smtp);
        try {
            q.recover();
            held.forEach(q::release);
            assertTrue(waitFor(() -> concurrent.get() == 3));
            Thread.sleep(300);
            assertEquals(3, peak.get(), "8 threads, but only 3 messages loaded");
            go.countDown();
            assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "the whole backlog is delivered");
            assertEquals(30, fixture.smtp.requests.size());
            assertEquals(3, peak.get());
        } finally {
            go.countDown();
            q.close();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void headerSectionShowsThePrependedFieldsAndTheMessagesHeaderUpToTheEmptyLine() throws Exception {
        SpoolQueue q = fixture().queue(SLOW);
        String id = submit(q, envelope("bob@relay.test"), true, new HeaderField("Received", "from test"));
        String header = q.headerSection(id, 64 * 1024).orElseThrow();
        assertTrue(header.startsWith("Received: from test\r\n"), header);
        assertTrue(header.contains("Subject:"), header);
        assertFalse(header.contains("\r\n\r\n"), "stops at the empty line: " + header);
        assertEquals(10, q.headerSection(id, 10).orElseThrow().length(), "at most maxBytes");
        assertTrue(q.headerSection("NOSUCHID", 100).isEmpty());
    }
}
