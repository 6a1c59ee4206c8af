package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageEdits;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.Submission;
import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data filters' edits (the milter modification actions) as a client and the queue see them, over a real listener: what
 * is queued is what the filters decided, under the queue ID of the 250; edits that cannot be applied refuse the message
 * and lose nothing.
 */
class FilterEditsTest {
    private static final String HELLO = "EHLO client.test\r\n";
    private static final String RECEIVED = "Received: from client.test ([127.0.0.1])\r\n\tby mx.carrier.test (Carrier) with ESMTP id ";

    private final TestServices services = new TestServices();
    private final MemoryQueue queue = services.queue;
    private SmtpListener listener;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private int start(long maxSize) throws IOException {
        listener = services.trustingLoopback(maxSize);
        return listener.port();
    }

    /** A DATA filter answering with what {@code answer} makes of the message. */
    private void dataFilter(String name, Function<MessageView, FilterResult> answer) {
        services.filters.add(new FilterChain.Named(name, new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                return answer.apply(m);
            }
        }));
    }

    private static FilterResult edits(MessageEdits.Builder edits) {
        return FilterResult.proceed().withEdits(edits.build());
    }

    private static String message(String from, String rcpts, String content) {
        StringBuilder s = new StringBuilder("MAIL FROM:<" + from + ">\r\n");
        for (String r : rcpts.split(",")) {
            s.append("RCPT TO:<").append(r).append(">\r\n");
        }
        return s.append("DATA\r\n").append(content).append(".\r\n").toString();
    }

    private static List<String> converse(int port, String script, int replies) throws IOException {
        return SmtpListenerTest.converse(port, script, replies);
    }

    /** The queued content without this server's Received field, which names the ID and the time. */
    private static String afterReceived(String content) {
        int end = content.indexOf(RECEIVED);
        do {
            end = content.indexOf("\r\n", end) + 2;
        } while (content.charAt(end) == '\t' || content.charAt(end) == ' ');
        return content.substring(end);
    }

    @Test
    void headerEditsChangeTheQueuedCopyAndKeepTheQueueId() throws Exception {
        dataFilter("milter-a", m -> edits(MessageEdits.builder()
                .insertHeader(0, "DKIM-Signature", "v=1;\r\n\tb=abc")
                .insertHeader(2, "X-Third", "counted after the insert before")
                .addHeader("X-Spam-Status", "No, score=0.1")
                .changeHeader("subject", 1, "[scanned] hi")
                .deleteHeader("X-Remove-Me", 2)
                .deleteHeader("X-Absent", 1)
                .changeHeader("X-Missing", 1, "added at the end")
                .changeHeader("Received", 1, "forged")
                .deleteHeader("received", 1)).withHeader("X-Prepended", "kept"));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost",
                "From: s@client.test\r\nX-Remove-Me: 1\r\nSubject: hi\r\nX-Remove-Me: 2\r\n\tfolded\r\n\r\nbody\r\n") + "QUIT\r\n", 7);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(5));
        assertEquals(1, queue.committed.size());
        MemoryQueue.Committed m = queue.committed.get(0);
        assertEquals("Q1", m.id());
        assertTrue(m.content().startsWith("DKIM-Signature: v=1;\r\n\tb=abc\r\n" + RECEIVED + "Q1\r\n"), m.content());
        assertEquals("X-Third: counted after the insert before\r\nFrom: s@client.test\r\nX-Remove-Me: 1\r\nSubject: [scanned] hi\r\n"
                + "X-Spam-Status: No, score=0.1\r\nX-Missing: added at the end\r\n\r\nbody\r\n", afterReceived(m.content()));
        assertEquals(new HeaderField("X-Prepended", "kept"), m.headers().get(0), "prepended fields stay apart, above the content");
        // a trusted client's message without Date and Message-ID gets them at intake (SubmittedHereTest)
        assertEquals(List.of("X-Prepended", "Date", "Message-ID"), m.headers().stream().map(HeaderField::name).toList());
    }

    @Test
    void theBodyIsReplacedFromTheFileWithCrlfAndTheFileIsDeleted() throws Exception {
        Path body = Files.writeString(dir.resolve("body"), "new body\nsecond line\r\nlast, no line end");
        dataFilter("rewriter", m -> edits(MessageEdits.builder().replaceBody(body)));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost",
                "Subject: hi\r\n\r\nold body\r\n") + "QUIT\r\n", 7);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(5));
        assertEquals("Subject: hi\r\n\r\nnew body\r\nsecond line\r\nlast, no line end\r\n", afterReceived(queue.committed.get(0).content()));
        assertFalse(Files.exists(body), "the server owns the file and deleted it");
    }

    @Test
    void recipientsAndTheSenderAreChangedInTheQueuedEnvelope() throws Exception {
        dataFilter("router-milter", m -> edits(MessageEdits.builder()
                .deleteRecipient(MailAddress.parse("a@localhost"))
                .addRecipient(MailAddress.parse("quarantine@localhost"), Map.of("NOTIFY", "NEVER"))
                .addRecipient(MailAddress.parse("b@localhost"), Map.of())
                .changeSender(MailAddress.parse("bounces@client.test"), Map.of("ENVID", "e1"))));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@client.test> BODY=8BITMIME\r\nRCPT TO:<a@localhost>\r\n"
                + "RCPT TO:<b@localhost>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n", 8);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(6));
        Envelope queued = queue.committed.get(0).envelope();
        assertEquals("bounces@client.test", queued.reversePath().toString());
        assertEquals(Map.of("BODY", "8BITMIME", "ENVID", "e1"), Submission.unmarked(queued.mailParameters()),
                "the client's parameters stay (besides the server's own mark of a trusted client's mail, SubmittedHereTest)");
        assertEquals(List.of(Recipient.of(MailAddress.parse("b@localhost")),
                new Recipient(MailAddress.parse("quarantine@localhost"), Map.of("NOTIFY", "NEVER"))), queued.recipients(),
                "a deleted, b not added twice, quarantine added");
        assertEquals("Subject: hi\r\n\r\nbody\r\n", afterReceived(queue.committed.get(0).content()), "the content as received");
    }

    @Test
    void severalFiltersEditInChainOrderAndEachSeesTheMessageAsReceived() throws Exception {
        List<String> subjectsSeen = new CopyOnWriteArrayList<>();
        Function<String, Function<MessageView, FilterResult>> tagger = tag -> m -> {
            subjectsSeen.add(m.headers().stream().filter(h -> h.name().equals("Subject")).findFirst().orElseThrow().value());
            return edits(MessageEdits.builder().changeHeader("Subject", 1, tag).addHeader("X-Tag", tag));
        };
        dataFilter("first", tagger.apply("one"));
        dataFilter("second", tagger.apply("two"));
        int port = start(100_000);
        converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: original\r\n\r\nbody\r\n") + "QUIT\r\n", 7);

        assertEquals(List.of("original", "original"), subjectsSeen);
        assertEquals("Subject: two\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nbody\r\n", afterReceived(queue.committed.get(0).content()));
    }

    @Test
    void aBodyReplacementBeyondTheSizeLimitIsRefusedWith552AndNothingIsQueued() throws Exception {
        Path body = Files.writeString(dir.resolve("big"), ("y".repeat(78) + "\r\n").repeat(20));
        dataFilter("inflater", m -> m.headers().stream().anyMatch(h -> h.value().equals("hi"))
                ? edits(MessageEdits.builder().replaceBody(body)) : FilterResult.proceed());
        int port = start(1_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: hi\r\n\r\nsmall\r\n")
                + message("s@client.test", "a@localhost", "Subject: again\r\n\r\nsmall\r\n") + "QUIT\r\n", 11);

        assertEquals("552 5.3.4 Error: message size exceeds fixed limit", replies.get(5));
        assertEquals(1, queue.committed.size());
        assertEquals(1, queue.discarded.get(), "the first message was dropped, not queued");
        assertFalse(Files.exists(body), "the refused replacement was deleted too");
        assertEquals("250 2.0.0 Ok: queued as Q2", replies.get(9), "the session goes on");
        assertEquals("Subject: again\r\n\r\nsmall\r\n", afterReceived(queue.committed.get(0).content()));
    }

    @Test
    void aReplacementBodyThatCannotBeReadFailsSafeWith451AndTheClientKeepsTheMessage() throws Exception {
        Path missing = dir.resolve("never-written");
        dataFilter("broken-milter", m -> m.headers().stream().anyMatch(h -> h.value().equals("edit me"))
                ? edits(MessageEdits.builder().addHeader("X-A", "a").replaceBody(missing)) : FilterResult.proceed());
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: edit me\r\n\r\nbody\r\n")
                + message("s@client.test", "a@localhost", "Subject: retried\r\n\r\nbody\r\n") + "QUIT\r\n", 11);

        assertEquals("451 4.3.0 Temporary filter failure", replies.get(5));
        assertEquals("250 2.0.0 Ok: queued as Q2", replies.get(9), "the session goes on");
        assertEquals(1, queue.committed.size());
        assertEquals("Subject: retried\r\n\r\nbody\r\n", afterReceived(queue.committed.get(0).content()));
    }

    @Test
    void anEditThatWouldInjectAFieldFailsSafeWith451AndNothingIsQueued() throws Exception {
        dataFilter("injector", m -> m.headers().stream().anyMatch(h -> h.value().equals("edit me"))
                ? edits(MessageEdits.builder().addHeader("X-Spam", "no\r\nBcc: eve@example.net")) : FilterResult.proceed());
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: edit me\r\n\r\nbody\r\n")
                + message("s@client.test", "a@localhost", "Subject: retried\r\n\r\nbody\r\n") + "QUIT\r\n", 11);

        assertEquals("451 4.3.0 Temporary filter failure", replies.get(5));
        assertEquals(1, queue.discarded.get());
        assertEquals("250 2.0.0 Ok: queued as Q2", replies.get(9));
        assertEquals(1, queue.committed.size());
        assertFalse(queue.committed.get(0).content().contains("Bcc"));
    }

    @Test
    void esmtpParametersAClientCouldNotGiveFailSafeWith451() throws Exception {
        dataFilter("params", m -> {
            String subject = m.headers().stream().filter(h -> h.name().equals("Subject")).findFirst().orElseThrow().value();
            MessageEdits.Builder edits = MessageEdits.builder();
            return edits(switch (subject) {
                case "report mark" -> edits.changeSender(MailAddress.parse("s@client.test"), Map.of("X-CARRIER-TLSRPT", "example.org"));
                case "requiretls in the clear" -> edits.changeSender(MailAddress.parse("s@client.test"), Map.of("REQUIRETLS", ""));
                case "bad notify" -> edits.addRecipient(MailAddress.parse("b@localhost"), Map.of("NOTIFY", "SOMETIMES"));
                default -> edits.addRecipient(MailAddress.parse("b@localhost"), Map.of("NOTIFY", "NEVER"))
                        .changeSender(MailAddress.parse("s@client.test"), Map.of("RET", "HDRS"));
            });
        });
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: report mark\r\n\r\nx\r\n")
                + message("s@client.test", "a@localhost", "Subject: requiretls in the clear\r\n\r\nx\r\n")
                + message("s@client.test", "a@localhost", "Subject: bad notify\r\n\r\nx\r\n")
                + message("s@client.test", "a@localhost", "Subject: fine\r\n\r\nx\r\n") + "QUIT\r\n", 19);

        assertEquals(List.of("451 4.3.0 Temporary filter failure", "451 4.3.0 Temporary filter failure",
                "451 4.3.0 Temporary filter failure", "250 2.0.0 Ok: queued as Q4"),
                List.of(replies.get(5), replies.get(9), replies.get(13), replies.get(17)));
        assertEquals(1, queue.committed.size());
        assertEquals(Map.of("RET", "HDRS"), Submission.unmarked(queue.committed.get(0).envelope().mailParameters()));
    }

    @Test
    void editsOfARefusedMessageAreDroppedWithTheirFile() throws Exception {
        Path body = Files.writeString(dir.resolve("body"), "replaced\r\n");
        dataFilter("editor", m -> edits(MessageEdits.builder().replaceBody(body)));
        dataFilter("spam", m -> FilterResult.reject(554, "5.7.1", "spam"));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: hi\r\n\r\nbody\r\n") + "QUIT\r\n", 7);

        assertEquals("554 5.7.1 spam", replies.get(5));
        assertTrue(queue.committed.isEmpty());
        assertFalse(Files.exists(body));
    }

    @Test
    void editsAtAnotherStageAreIgnoredAndTheirFileDeleted() throws Exception {
        Path body = Files.writeString(dir.resolve("body"), "replaced\r\n");
        services.filters.add(new FilterChain.Named("early", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.RCPT);
            }

            @Override
            public FilterResult rcptTo(SessionInfo s, Envelope e, Recipient r, TransactionState state) {
                return edits(MessageEdits.builder().addHeader("X-Early", "no").replaceBody(body)
                        .addRecipient(MailAddress.parse("extra@localhost"), Map.of()));
            }
        }));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: hi\r\n\r\nbody\r\n") + "QUIT\r\n", 7);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(5));
        MemoryQueue.Committed m = queue.committed.get(0);
        assertEquals("Subject: hi\r\n\r\nbody\r\n", afterReceived(m.content()));
        assertEquals(List.of(Recipient.of(MailAddress.parse("a@localhost"))), m.envelope().recipients());
        assertFalse(Files.exists(body));
    }

    @Test
    void editsBelongToTheirTransactionAloneAndRsetEndsIt() throws Exception {
        dataFilter("once", m -> m.headers().stream().anyMatch(h -> h.value().equals("edit me"))
                ? edits(MessageEdits.builder().addHeader("X-Edited", "yes").addRecipient(MailAddress.parse("copy@localhost"), Map.of()))
                : FilterResult.proceed());
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: edit me\r\n\r\nbody\r\n")
                + "MAIL FROM:<s@client.test>\r\nRCPT TO:<a@localhost>\r\nBDAT 10\r\nSubject: e" + "RSET\r\n"
                + message("s@client.test", "a@localhost", "Subject: plain\r\n\r\nbody\r\n") + "QUIT\r\n", 15);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(5), replies.toString());
        assertEquals("250 2.0.0 Ok", replies.get(9), "RSET");
        assertEquals(2, queue.committed.size(), replies.toString());
        assertEquals("Subject: edit me\r\nX-Edited: yes\r\n\r\nbody\r\n", afterReceived(queue.committed.get(0).content()));
        assertEquals(2, queue.committed.get(0).envelope().recipients().size());
        assertEquals("Subject: plain\r\n\r\nbody\r\n", afterReceived(queue.committed.get(1).content()));
        assertEquals(1, queue.committed.get(1).envelope().recipients().size());
    }

    @Test
    void editsThatDeleteEveryRecipientDropTheMessage() throws Exception {
        dataFilter("black-hole", m -> edits(MessageEdits.builder().deleteRecipient(MailAddress.parse("a@localhost"))));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: hi\r\n\r\nbody\r\n") + "QUIT\r\n", 7);

        assertEquals("250 2.0.0 Ok: queued as Q1", replies.get(5));
        assertTrue(queue.committed.isEmpty());
        assertEquals(1, queue.discarded.get());
    }

    @Test
    void aHeaderWithoutEmptyLineOrWithALineThatIsNoFieldIsEditedUpToThere() throws Exception {
        dataFilter("adder", m -> edits(MessageEdits.builder().addHeader("X-Added", "yes")));
        int port = start(100_000);
        converse(port, HELLO + message("s@client.test", "a@localhost", "Subject: hi\r\nthis is no field\r\nbody\r\n")
                + message("s@client.test", "a@localhost", "Subject: only a header\r\n") + "QUIT\r\n", 11);

        assertEquals("Subject: hi\r\nX-Added: yes\r\n\r\nthis is no field\r\nbody\r\n", afterReceived(queue.committed.get(0).content()));
        assertEquals("Subject: only a header\r\nX-Added: yes\r\n\r\n", afterReceived(queue.committed.get(1).content()));
    }
}
