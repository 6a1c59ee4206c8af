package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.HeaderScan;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.carrier.queue.internal.QueueFixture.CONTENT;
import static org.carrier.queue.internal.QueueFixture.FAST;
import static org.carrier.queue.internal.QueueFixture.SLOW;
import static org.carrier.queue.internal.QueueFixture.awaitRecovered;
import static org.carrier.queue.internal.QueueFixture.envelope;
import static org.carrier.queue.internal.QueueFixture.submit;
import static org.carrier.queue.internal.QueueFixture.waitFor;

class SpoolQueueTest {

    @TempDir
    Path root;

    private final List<SpoolQueue> queues = new ArrayList<>();

    private final RecordingTransport smtp = new RecordingTransport();

    private final Router router = QueueFixture.ROUTER;

    @AfterEach
    void closeQueues() {
        queues.forEach(SpoolQueue::close);
    }

    private SpoolQueue queue(QueueSettings settings, Clock clock, Function<String, Transport> transports) throws IOException {
        SpoolQueue q = new SpoolQueue(root, settings, 2, clock, () -> router, transports);
        queues.add(q);
        q.recover();
        awaitRecovered(q);
        return q;
    }

    private SpoolQueue queue(QueueSettings settings) throws IOException {
        return queue(settings, Clock.systemUTC(), name -> name.equals("smtp") ? smtp : null);
    }




    private List<Path> queueEntries() {
        try (Stream<Path> s = Files.list(root.resolve("queue"))) {
            return s.toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The files in queue/ that hold something: not the ones reserved for messages yet to come (empty, or a
     * delivered message's file kept for reuse, whose trailer names an older ID than the file).
     */
    private List<String> queueFiles() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("queue")).filter(p -> p.toFile().length() > 0 && !keptForReuse(p))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static boolean keptForReuse(Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.ISO_8859_1);
            return file.getFileName().toString().endsWith(".msg") && content.lastIndexOf("carrier-reused- ") == content.length() - 27;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void commitPutsContentAndEnvelopeOnDiskAndOddTextRoundTrips() throws Exception {
        SpoolQueue q = queue(SLOW);
        Envelope odd = new Envelope(MailAddress.parse("\"we ird=x\"@Client.test"), Map.of("ENVID", "a b=c\nd%"),
                List.of(new Recipient(MailAddress.parse("bob@relay.test"), Map.of("ORCPT", "rfc822;bob+ü@relay.test"))));
        String id = submit(q, odd, true, new HeaderField("X-Filter", "spaces and = signs\r\n\tfolded é"));
        assertEquals(List.of(id + ".msg"), queueFiles(), "one file: the content with the envelope as a trailer");
        assertTrue(Files.readString(root.resolve("queue/" + id + ".msg")).startsWith(CONTENT));

        QueueEntry reread = new Spool(root).peek(id).orElseThrow();
        assertEquals(odd, reread.envelope());
        assertEquals("spaces and = signs\r\n\tfolded é", reread.prependedHeaders().get(0).value());
        assertTrue(reread.held());
        assertEquals(CONTENT.length(), reread.size());
    }

    @Test
    void largeContentWrittenByteByByteAndInBlocksComesBackExactly() throws Exception {
        SpoolQueue q = queue(SLOW);
        byte[] expected = new byte[300_000];
        new java.util.Random(7).nextBytes(expected);
        String id;
        try (IncomingMessage m = q.receive()) {
            for (int i = 0; i < 1_000; i++) {
                m.content().write(expected[i]);
            }
            m.content().write(expected, 1_000, 100_000); // more than the buffer at once
            m.content().write(expected, 101_000, 10);
            m.content().write(expected, 101_010, expected.length - 101_010);
            assertEquals(expected.length, m.size());
            try (InputStream before = m.openContent()) {
                assertTrue(java.util.Arrays.equals(expected, before.readAllBytes()), "readable before commit (for data filters)");
            }
            m.commit(envelope("bob@relay.test"), List.of(), true);
            id = m.queueId();
        }
        QueueEntry entry = new Spool(root).peek(id).orElseThrow();
        try (InputStream in = new Spool(root).source(entry).open()) {
            assertTrue(java.util.Arrays.equals(expected, in.readAllBytes()), "the content, without the envelope trailer");
        }
    }

    @Test
    void aRewrittenContentIsWhatIsQueuedUnderTheSameId() throws Exception {
        SpoolQueue q = queue(SLOW);
        String longer = "X-Long: " + "x".repeat(100_000) + "\r\n" + CONTENT;
        String shorter = "X-Edited: yes\r\n\r\nnew body\r\n";
        String id;
        try (IncomingMessage m = q.receive()) {
            id = m.queueId();
            m.content().write(longer.getBytes(StandardCharsets.UTF_8));
            OutputStream rewritten = m.rewrite();
            rewritten.write(shorter.getBytes(StandardCharsets.UTF_8));
            try (InputStream old = m.openContent()) {
                assertEquals(longer, new String(old.readAllBytes(), StandardCharsets.UTF_8), "the old content until the new is complete");
            }
            rewritten.close();
            assertEquals(shorter.length(), m.size());
            try (InputStream now = m.openContent()) {
                assertEquals(shorter, new String(now.readAllBytes(), StandardCharsets.UTF_8));
            }
            m.commit(envelope("bob@relay.test"), List.of(new HeaderField("X-Tag", "yes")), true);
            assertEquals(id, m.queueId());
        }
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertEquals(0, s.count(), "the rewrite's scratch file is gone");
        }
        QueueEntry entry = new Spool(root).peek(id).orElseThrow();
        assertEquals(shorter.length(), entry.size());
        try (InputStream in = new Spool(root).source(entry).open()) {
            assertEquals("X-Tag: yes\r\n" + shorter, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(1, q.list(QueueFilter.any()).size());
    }

    @Test
    void aLargeRewriteGoesThroughAScratchFileAndComesBackExactly() throws Exception {
        SpoolQueue q = queue(SLOW);
        byte[] expected = new byte[700_000];
        new Random(11).nextBytes(expected);
        String id;
        try (IncomingMessage m = q.receive()) {
            id = m.queueId();
            m.content().write(CONTENT.getBytes(StandardCharsets.UTF_8));
            OutputStream rewritten = m.rewrite();
            rewritten.write(expected, 0, 1_000);
            for (int i = 1_000; i < 2_000; i++) {
                rewritten.write(expected[i]);
            }
            rewritten.write(expected, 2_000, expected.length - 2_000);
            try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
                assertEquals(List.of(id + ".edit"), s.map(p -> p.getFileName().toString()).toList(), "spilled past memory");
            }
            rewritten.close();
            m.commit(envelope("bob@relay.test"), List.of(), true);
        }
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertEquals(0, s.count());
        }
        try (InputStream in = new Spool(root).source(new Spool(root).peek(id).orElseThrow()).open()) {
            assertArrayEquals(expected, in.readAllBytes());
        }
    }

    @Test
    void aRewriteNotFinishedLeavesTheContentAndNoScratchFile() throws Exception {
        SpoolQueue q = queue(SLOW);
        try (IncomingMessage m = q.receive()) {
            m.content().write(CONTENT.getBytes(StandardCharsets.UTF_8));
            m.rewrite().write(new byte[600_000]);
            assertEquals(CONTENT.length(), m.size());
        }
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertEquals(0, s.count());
        }
        assertTrue(queueFiles().isEmpty());
    }

    @Test
    void anUncommittedMessageLeavesNothing() throws Exception {
        SpoolQueue q = queue(SLOW);
        try (IncomingMessage m = q.receive()) {
            m.content().write("partial".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(queueFiles().isEmpty());
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertEquals(0, s.count());
        }
        assertTrue(q.list(QueueFilter.any()).isEmpty());
    }

    @Test
    void deliversWithPrependedHeadersAndRemovesTheMessage() throws Exception {
        SpoolQueue q = queue(SLOW);
        String id = submit(q, envelope("bob@relay.test"), false, new HeaderField("X-Tag", "yes"));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "delivered and removed");
        assertEquals(1, smtp.requests.size());
        assertEquals(id, smtp.requests.get(0).queueId());
        assertEquals("X-Tag: yes\r\n" + CONTENT, smtp.contents.get(0));
        assertTrue(queueFiles().isEmpty());
    }

    @Test
    void recipientsSharingANextHopShareOneTransaction() throws Exception {
        SpoolQueue q = queue(SLOW);
        submit(q, envelope("a@relay.test", "b@relay.test", "c@other.test"), false);
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        assertEquals(2, smtp.requests.size());
        List<Integer> sizes = smtp.requests.stream().map(r -> r.envelope().recipients().size()).sorted().toList();
        assertEquals(List.of(1, 2), sizes);
    }

    @Test
    void theTransportsOfOneAttemptShareOneReadOfTheHeader() throws Exception {
        SpoolQueue q = queue(SLOW);
        submit(q, envelope("a@relay.test", "c@other.test"), false, new HeaderField("X-Tag", "yes"));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        assertEquals(2, smtp.requests.size(), "two next hops, two transactions");
        assertSame(smtp.requests.get(0).message(), smtp.requests.get(1).message(), "one source for the attempt");
        assertSame(smtp.headers.get(0), smtp.headers.get(1), "its header read once, not once per transaction");
        List<HeaderField> fields = smtp.headers.get(0);
        assertEquals(new HeaderField("X-Tag", "yes"), fields.get(0), "the prepended fields come first");
        assertEquals(HeaderScan.fields(new java.io.ByteArrayInputStream(CONTENT.getBytes(StandardCharsets.UTF_8))),
                fields.subList(1, fields.size()), "then the received message's");
    }

    @Test
    void aTemporaryFailureIsRetriedLater() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        smtp.answer = r -> calls.incrementAndGet() == 1 ? new SmtpReply(451, "4.3.0", "try later") : new SmtpReply(250, null, "ok");
        SpoolQueue q = queue(FAST);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> calls.get() >= 1));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "delivered on the retry");
        assertEquals(2, calls.get());
        assertTrue(waitFor(() -> !Files.exists(root.resolve("queue/" + id + ".env"))), "its state file goes after its content");
    }

    @Test
    void aDeferredRecipientKeepsItsStateOnDisk() throws Exception {
        smtp.answer = r -> new SmtpReply(452, "4.2.2", "mailbox full");
        SpoolQueue q = queue(SLOW);
        String id = submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> q.show(id).map(m -> m.recipients().get(0).state() == DeliveryState.DEFERRED).orElse(false)));
        assertTrue(waitFor(() -> {
            try {
                return Files.readString(root.resolve("queue/" + id + ".env")).contains("DEFERRED 1");
            } catch (IOException e) {
                return false;
            }
        }));
        QueuedMessage m = q.show(id).orElseThrow();
        assertEquals("mailbox full", m.recipients().get(0).lastReply().text());
        assertTrue(m.recipients().get(0).nextAttempt().isAfter(Instant.now().plus(Duration.ofMinutes(50))));
    }

    @Test
    void permanentFailuresAndRefusedRoutesAreFinal() throws Exception {
        smtp.answer = r -> new SmtpReply(550, "5.1.1", "no such user");
        SpoolQueue q = queue(FAST);
        submit(q, envelope("gone@relay.test", "x@refused.test"), false);
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "failed recipients are final, so the message is removed");
        assertEquals(1, smtp.originals().size(), "the refused recipient never reached a transport");
    }

    @Test
    void aMissingTransportDefers() throws Exception {
        SpoolQueue q = queue(SLOW);
        String id = submit(q, envelope("x@nowhere.test"), false);
        assertTrue(waitFor(() -> q.show(id).map(m -> m.recipients().get(0).state() == DeliveryState.DEFERRED).orElse(false)));
        assertEquals("4.3.0", q.show(id).orElseThrow().recipients().get(0).lastReply().enhancedStatus());
    }

    @Test
    void aHeldMessageIsNotDelivered() throws Exception {
        SpoolQueue q = queue(FAST);
        String id = submit(q, envelope("bob@relay.test"), true);
        Thread.sleep(500);
        assertTrue(smtp.requests.isEmpty());
        assertEquals(DeliveryState.PENDING, q.show(id).orElseThrow().recipients().get(0).state());
    }

    @Test
    void recipientsStillWaitingAfterTheMaximumLifetimeFail() throws Exception {
        smtp.answer = r -> new SmtpReply(451, "4.4.1", "host down");
        SpoolQueue q = queue(new QueueSettings(List.of(Duration.ofMillis(100)), Duration.ZERO));
        submit(q, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "expired at the first deferral");
        assertEquals(1, smtp.originals().size());
    }

    /** RFC 8689 §4.1: the REQUIRETLS tag stays with the message, across a restart too. */
    @Test
    void aRestartedQueueKeepsTheRequireTlsParameter() throws Exception {
        SpoolQueue first = queue(SLOW, Clock.systemUTC(), name -> null);
        Envelope tagged = new Envelope(MailAddress.parse("sender@client.test"), Map.of(Envelope.REQUIRETLS, ""),
                envelope("bob@relay.test").recipients());
        String id = submit(first, tagged, false);
        assertTrue(waitFor(() -> first.show(id).map(m -> m.recipients().get(0).attempts() == 1).orElse(false)));
        Thread.sleep(200); // let the state write finish before "crashing"
        first.close();
        SpoolQueue second = queue(SLOW, Clock.offset(Clock.systemUTC(), Duration.ofHours(2)), name -> smtp);
        assertTrue(waitFor(() -> second.list(QueueFilter.any()).isEmpty()), "delivered after restart");
        assertTrue(smtp.requests.get(0).envelope().requiresTls(), smtp.requests.get(0).envelope().toString());
    }

    @Test
    void aRestartedQueueDeliversWhatTheLastOneLeft() throws Exception {
        SpoolQueue first = queue(SLOW, Clock.systemUTC(), name -> null);
        String id = submit(first, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> first.show(id).map(m -> m.recipients().get(0).attempts() == 1).orElse(false)));
        Thread.sleep(200); // let the state write finish before "crashing"
        first.close();
        Files.writeString(root.resolve("incoming/PARTIAL"), "never acknowledged");

        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
        SpoolQueue second = queue(SLOW, later, name -> smtp);
        assertTrue(waitFor(() -> second.list(QueueFilter.any()).isEmpty()), "delivered after restart");
        assertEquals(1, smtp.requests.size(), "recovered and delivered once");
        assertEquals(id, smtp.requests.get(0).queueId());
        assertFalse(Files.exists(root.resolve("incoming/PARTIAL")), "a partial reception is removed at start");
    }

    @Test
    void aDamagedEntryIsMovedAsideAndTheOthersLoad() throws Exception {
        SpoolQueue first = queue(SLOW, Clock.systemUTC(), name -> null);
        String good = submit(first, envelope("bob@relay.test"), true);
        String bad = submit(first, envelope("carol@relay.test"), true);
        first.close();
        Files.writeString(root.resolve("queue/" + bad + ".env"), "garbage\n");

        SpoolQueue second = queue(SLOW, Clock.systemUTC(), name -> smtp);
        assertEquals(List.of(good), second.list(QueueFilter.any()).stream().map(QueuedMessage::queueId).toList());
        assertTrue(Files.exists(root.resolve("corrupt/" + bad + ".env")));
        assertTrue(Files.exists(root.resolve("corrupt/" + bad + ".msg")));
    }

    @Test
    void aDamagedTrailerIsMovedAsidePartialReceptionsAndInterruptedRemovalsAreCleared() throws Exception {
        SpoolQueue first = queue(SLOW, Clock.systemUTC(), name -> null);
        String good = submit(first, envelope("bob@relay.test"), true);
        String damaged = submit(first, envelope("carol@relay.test"), true);
        String removed = submit(first, envelope("dave@relay.test"), true);
        first.hold(removed); // writes its .env
        IncomingMessage partial = first.receive();
        partial.content().write("Subject: cut off by a crash\r\n".getBytes(StandardCharsets.US_ASCII));
        partial.content().flush();
        Path partialFile = root.resolve("queue/" + partial.queueId() + ".msg");
        Path partialCopy = Files.copy(partialFile, root.resolve("partial.copy"));
        partial.close();
        first.close();
        Files.move(partialCopy, partialFile); // as a kill -9 during DATA leaves it
        Path msg = root.resolve("queue/" + damaged + ".msg");
        Files.writeString(msg, Files.readString(msg).replace("carrier-envelope 1", "carrier-envelope ?"));
        Files.delete(root.resolve("queue/" + removed + ".msg")); // a crash between the two deletions of a removal

        SpoolQueue second = queue(SLOW, Clock.systemUTC(), name -> smtp);
        assertEquals(List.of(good), second.list(QueueFilter.any()).stream().map(QueuedMessage::queueId).toList());
        assertTrue(Files.exists(root.resolve("corrupt/" + damaged + ".msg")), "moved aside with a log line");
        assertFalse(Files.exists(partialFile), "never acknowledged: removed");
        assertFalse(Files.exists(root.resolve("queue/" + removed + ".env")), "the removal was finished");
    }

    @Test
    void contentWrittenInPiecesOfEverySizeIsStoredExactly() throws Exception {
        SpoolQueue q = queue(SLOW);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        String id;
        try (IncomingMessage m = q.receive()) {
            Random random = new Random(7);
            while (expected.size() < 300_000) {
                byte[] piece = new byte[random.nextInt(3) == 0 ? 1 : random.nextInt(90_000)];
                random.nextBytes(piece);
                if (piece.length == 1) {
                    m.content().write(piece[0]);
                } else {
                    m.content().write(piece);
                }
                expected.write(piece);
            }
            m.commit(envelope("bob@relay.test"), List.of(), true);
            id = m.queueId();
        }
        Path file = root.resolve("queue/" + id + ".msg");
        assertEquals(expected.size(), Spool.readTrailer(file).size());
        byte[] stored = Arrays.copyOf(Files.readAllBytes(file), expected.size());
        assertArrayEquals(expected.toByteArray(), stored);
    }

    @Test
    void aDeliveredMessagesFileIsReusedAndOverwrittenByTheNextMessage() throws Exception {
        SpoolQueue q = queue(FAST);
        String longer = "X-Long: " + "x".repeat(10_000) + "\r\n" + CONTENT;
        String first;
        try (IncomingMessage m = q.receive()) {
            m.content().write(longer.getBytes(StandardCharsets.UTF_8));
            m.commit(envelope("bob@relay.test"), List.of(), false);
            first = m.queueId();
        }
        Path delivered = root.resolve("queue/" + first + ".msg");
        assertTrue(waitFor(() -> !Files.exists(delivered) && queueEntries().size() == 64),
                "63 files reserved ahead, and the delivered message's file under a new ID");
        assertEquals(List.of(), queueFiles(), "nothing queued: 63 empty files and one kept for reuse");

        // the reused file sorts last: messages take reserved files in order, so the 64th message gets it
        String last = queueEntries().stream().map(p -> p.getFileName().toString()).sorted().toList().get(63);
        assertTrue(last.compareTo(first + ".msg") > 0, "a newer ID than the delivered message's: " + last);
        List<String> received = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            received.add(submit(q, envelope("r" + i + "@relay.test"), true));
        }
        assertEquals(last, received.get(63) + ".msg");
        assertEquals(received.stream().map(id -> id + ".msg").sorted().toList(), queueFiles(), "each held message in its own file");
        assertEquals(1, smtp.requests.size(), "only the first was delivered; the rest are held");

        // the shorter message written over the longer one: cut after its own trailer, and read back whole
        Path reused = root.resolve("queue/" + last);
        assertEquals(CONTENT.length(), Spool.readTrailer(reused).size());
        assertTrue(Files.size(reused) < longer.length(), "nothing of the older message is left after the trailer");
        assertTrue(q.release(received.get(63)));
        assertTrue(waitFor(() -> smtp.contents.size() == 2));
        assertEquals(CONTENT, smtp.contents.get(1));
    }

    @Test
    void aLongerMessageCutShortByACrashInAReusedFileIsRemovedAtStartNotCalledCorrupt() throws Exception {
        SpoolQueue first = queue(FAST);
        String delivered = submit(first, envelope("bob@relay.test"), false);
        assertTrue(waitFor(() -> !Files.exists(root.resolve("queue/" + delivered + ".msg"))));
        Path reused;
        try (Stream<Path> files = Files.list(root.resolve("queue"))) {
            reused = files.filter(SpoolQueueTest::keptForReuse).findFirst().orElseThrow();
        }
        byte[] old = Files.readAllBytes(reused);
        first.close(); // a clean stop deletes the reserved files: the crash is staged below
        // a kill -9 while a longer message was being received into it: new bytes over the old content, the end untouched
        byte[] partial = ("Subject: longer\r\n\r\n" + "y".repeat(old.length)).substring(0, old.length - 10).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(partial, 0, old, 0, partial.length);
        Files.write(reused, old);

        SpoolQueue second = queue(SLOW, Clock.systemUTC(), name -> smtp);
        assertEquals(List.of(), second.list(QueueFilter.any()));
        assertFalse(Files.exists(reused), "never acknowledged: removed");
        try (Stream<Path> corrupt = Files.list(root.resolve("corrupt"))) {
            assertEquals(0, corrupt.count(), "not corrupt");
        }
    }

    @Test
    void aReusedFileWhoseEmptyingACrashUndidIsRemovedAtStartNotDelivered() throws Exception {
        SpoolQueue first = queue(SLOW, Clock.systemUTC(), name -> null);
        String done = submit(first, envelope("bob@relay.test"), true);
        String kept = submit(first, envelope("carol@relay.test"), true);
        first.close();
        // a crash after the rename of done's file to a newer ID reached the disk, before its emptying did
        String newer = new QueueIds(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5))).next();
        Files.move(root.resolve("queue/" + done + ".msg"), root.resolve("queue/" + newer + ".msg"));

        SpoolQueue second = queue(SLOW, Clock.systemUTC(), name -> smtp);
        assertEquals(List.of(kept), second.list(QueueFilter.any()).stream().map(QueuedMessage::queueId).toList());
        assertFalse(Files.exists(root.resolve("queue/" + newer + ".msg")), "removed: its message was done");
        try (Stream<Path> corrupt = Files.list(root.resolve("corrupt"))) {
            assertEquals(0, corrupt.count(), "not corrupt, only reused");
        }
    }

    @Test
    void queueIdsAreUniqueAndSortable() {
        QueueIds ids = new QueueIds(Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC));
        List<String> issued = new ArrayList<>();
        for (int i = 0; i < 70_000; i++) {
            issued.add(ids.next());
        }
        assertEquals(issued.size(), issued.stream().distinct().count());
        assertEquals(issued, issued.stream().sorted().toList());
        assertTrue(issued.get(0).matches("[0-9A-Z]{12}"), issued.get(0));
    }

    @Test
    void durationsNameTheirSettingWhenWrong() {
        assertEquals(Duration.ofMinutes(5), Durations.parse("k", "5m"));
        assertEquals(List.of(Duration.ofMillis(200), Duration.ofDays(1)), Durations.parseList("k", "200ms, 1d"));
        assertEquals(List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofHours(1)),
                Durations.parseList("k", new String[] {"5m", "10m, 1h,"}), "a String[] (web console), each element a comma list (a .cfg file)");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Durations.parseList("retryDelays", "5m, soon"));
        assertEquals("retryDelays = \"soon\": not a duration (like 200ms, 30s, 5m, 4h, 5d)", e.getMessage());
    }

    @Test
    void recipientsAreExpandedOnceAtCommitAndDuplicatesDeliveredOnce() throws Exception {
        Router expanding = new Router() {
            @Override
            public RouteDecision route(MailAddress recipient) {
                return router.route(recipient);
            }

            @Override
            public List<Recipient> expand(Recipient recipient) {
                if (!recipient.address().localPart().equals("team")) {
                    return List.of(recipient);
                }
                Map<String, String> orcpt = Map.of("ORCPT", "rfc822;" + recipient.address());
                return Stream.of("a@relay.test", "b@other.test")
                        .map(a -> new Recipient(MailAddress.parse(a), orcpt)).toList();
            }
        };
        SpoolQueue q = new SpoolQueue(root, SLOW, 2, Clock.systemUTC(), () -> expanding, name -> smtp);
        queues.add(q);
        q.recover();

        String id = submit(q, envelope("team@relay.test", "a@relay.test", "c@relay.test"), true);

        List<Recipient> queued = q.show(id).orElseThrow().envelope().recipients();
        assertEquals(List.of("a@relay.test", "b@other.test", "c@relay.test"),
                queued.stream().map(r -> r.address().toString()).toList());
        assertEquals("rfc822;team@relay.test", queued.get(1).parameters().get("ORCPT"));
    }
}
