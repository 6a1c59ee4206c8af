package org.carrier.filter.milter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageEdits;
import org.carrier.api.filter.MessageEdits.HeaderOp;
import org.carrier.api.filter.MessageEdits.RecipientOp;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.RecordingMetricWriter;
import org.carrier.testing.milter.MilterCommand;
import org.carrier.testing.milter.MilterReply;
import org.carrier.testing.milter.TestMilter;
import org.carrier.testing.milter.TestMilter.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The milter client against the project's test milter, over real loopback sockets. */
class MilterFilterTest {
    private static final SessionInfo SESSION = new SessionInfo("S1", "mx", new InetSocketAddress("192.0.2.7", 4321),
            new InetSocketAddress("127.0.0.1", 25), "client.example", true, "TLSv1.3", null, false, "TLS_AES_256_GCM_SHA384");
    private static final String MESSAGE = "Received: from client.example\r\n\tby mx.test; Mon, 7 Dec 2026 01:00:00 +0000\r\n"
            + "Subject: hello\r\nFrom: a@example.com\r\n\r\nline one\r\nline two\r\n";

    private TestMilter milter;

    @BeforeEach
    void start() throws IOException {
        milter = TestMilter.start();
    }

    @AfterEach
    void stop() throws IOException {
        milter.close();
    }

    @Test
    void sendsEachStageWithPostfixMacrosAndQuitsAtTheEnd() throws Exception {
        MilterFilter filter = filter(Map.of());
        Outcome o = transaction(filter, MESSAGE);
        assertEquals(FilterAction.CONTINUE, o.data.action());
        assertTrue(o.data.edits().isEmpty());
        MilterCommand connect = milter.received('C').get(0);
        assertEquals("unknown", connect.connectHost());
        assertEquals('4', connect.connectFamily());
        assertEquals(4321, connect.connectPort());
        assertEquals("192.0.2.7", connect.connectAddress());
        assertEquals("mx", connect.macros().get("{daemon_name}"));
        assertEquals("127.0.0.1", connect.macros().get("{daemon_addr}"));
        assertEquals("unknown [192.0.2.7]", connect.macros().get("_"));
        assertNotNull(connect.macros().get("j"));
        MilterCommand helo = milter.received('H').get(0);
        assertEquals("client.example", helo.first());
        assertEquals("TLSv1.3", helo.macros().get("{tls_version}"));
        assertEquals("TLS_AES_256_GCM_SHA384", helo.macros().get("{cipher}"));
        assertEquals("256", helo.macros().get("{cipher_bits}"));
        MilterCommand mail = milter.received('M').get(0);
        assertEquals(List.of("<a@example.com>", "SIZE=120"), mail.strings());
        assertEquals("a@example.com", mail.macros().get("{mail_addr}"));
        assertNull(mail.macros().get("i"), "no queue ID before the data");
        MilterCommand rcpt = milter.received('R').get(0);
        assertEquals("<b@example.net>", rcpt.first());
        assertEquals("b@example.net", rcpt.macros().get("{rcpt_addr}"));
        assertEquals("Q1", milter.received('T').get(0).macros().get("i"));
        List<MilterCommand> headers = milter.received('L');
        assertEquals(3, headers.size());
        assertEquals(List.of("Received", "from client.example\n\tby mx.test; Mon, 7 Dec 2026 01:00:00 +0000"), headers.get(0).strings());
        assertEquals(List.of("Subject", "hello"), headers.get(1).strings());
        assertEquals(1, milter.received('N').size());
        assertEquals("line one\r\nline two\r\n", milter.lastBody());
        assertEquals("Q1", milter.received('E').get(0).macros().get("i"));
        o.state.end(e -> { });
        milter.await(c -> c.code() == 'Q', Duration.ofSeconds(5));
        assertTrue(milter.received('A').isEmpty(), "a finished message is not aborted");
        assertEquals(1, filter.metrics().calls("eom"));
        assertEquals(3, filter.metrics().calls("header"));
        RecordingMetricWriter metrics = new RecordingMetricWriter();
        filter.collect(metrics);
        assertEquals(1.0, metrics.samples().get("carrier_milter_calls_total{milter=test,stage=eom}"));
        assertEquals(11.0, metrics.samples().get("carrier_milter_latency_seconds_count{milter=test}"), "one answer per step: connect, helo, mail, rcpt, data, 3 headers, eoh, body, eom");
    }

    /**
     * A transaction is a dozen small packets each way: none may wait for a delayed ACK (Nagle's algorithm would hold
     * each command behind its macro packet for 40 ms: about 0.3 s a message instead of a few milliseconds).
     */
    @Test
    void noStepWaitsForADelayedAck() throws Exception {
        MilterFilter filter = filter(Map.of());
        transaction(filter, MESSAGE);
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertEquals(FilterAction.CONTINUE, transaction(filter, MESSAGE).data.action());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2000, "20 transactions took " + millis + " ms");
    }

    @Test
    void anEndedTransactionIsAbortedAndQuit() throws Exception {
        MilterFilter filter = filter(Map.of());
        TransactionState state = new TransactionState();
        filter.mailFrom(SESSION, envelope(), state);
        state.end(e -> { });
        milter.await(c -> c.code() == 'Q', Duration.ofSeconds(5));
        assertEquals(1, milter.received('A').size());
    }

    @Test
    void rejectTempfailAndReplyCodeAtTheEndOfMessage() throws Exception {
        milter.on(Stage.EOM, MilterReply.reject());
        assertEquals("550 5.7.1 Command rejected", transaction(filter(Map.of()), MESSAGE).data.reply().toString());
        milter.on(Stage.EOM, MilterReply.tempfail());
        assertEquals("451 4.7.1 Service unavailable - try again later", transaction(filter(Map.of()), MESSAGE).data.reply().toString());
        milter.on(Stage.EOM, MilterReply.replyCode("554-5.7.1 Gtube pattern\r\n554 5.7.1 see https://example.com"));
        FilterResult r = transaction(filter(Map.of()), MESSAGE).data;
        assertEquals(FilterAction.REJECT, r.action());
        assertEquals(554, r.reply().code());
        assertEquals("5.7.1", r.reply().enhancedStatus());
        assertEquals("Gtube pattern\r\nsee https://example.com", r.reply().text());
        milter.on(Stage.EOM, MilterReply.replyCode("421 4.7.0 come back later"));
        assertEquals(FilterAction.TEMPFAIL, transaction(filter(Map.of()), MESSAGE).data.action());
    }

    @Test
    void aRefusedRecipientIsThatRecipientOnly() throws Exception {
        milter.on(Stage.RCPT, c -> List.of(c.first().contains("bad") ? MilterReply.replyCode("550 5.1.1 no such user") : MilterReply.proceed()));
        MilterFilter filter = filter(Map.of());
        TransactionState state = new TransactionState();
        Envelope env = envelope();
        assertEquals(FilterAction.CONTINUE, filter.mailFrom(SESSION, env, state).action());
        assertEquals("550 5.1.1 no such user", filter.rcptTo(SESSION, env, rcpt("bad@example.net"), state).reply().toString());
        assertEquals(FilterAction.CONTINUE, filter.rcptTo(SESSION, env, rcpt("good@example.net"), state).action());
        assertEquals(FilterAction.CONTINUE, filter.data(SESSION, env.withRecipient(rcpt("good@example.net")), view(MESSAGE, Long.MAX_VALUE), state).action());
        state.end(e -> { });
    }

    @Test
    void acceptBeforeTheDataEndsTheMiltersSayAndDiscardDropsTheMessage() throws Exception {
        milter.on(Stage.MAIL, MilterReply.accept());
        Outcome accepted = transaction(filter(Map.of()), MESSAGE);
        assertEquals(FilterAction.CONTINUE, accepted.data.action());
        assertTrue(milter.received('R').isEmpty(), "nothing is sent after an accept");
        assertTrue(milter.received('E').isEmpty());
        milter.reset().clearReceived();
        milter.on(Stage.RCPT, MilterReply.discard());
        assertEquals(FilterAction.DISCARD, transaction(filter(Map.of()), MESSAGE).data.action());
        assertTrue(milter.received('E').isEmpty());
    }

    @Test
    void everyModificationBecomesAnEdit() throws Exception {
        milter.on(Stage.EOM, MilterReply.addHeader("X-Spam", " yes"), MilterReply.insertHeader(0, "X-First", "1"),
                MilterReply.changeHeader(1, "Subject", "changed\n\tfolded"), MilterReply.deleteHeader(1, "From"),
                MilterReply.replaceBody("new "), MilterReply.replaceBody("body\r\n"),
                MilterReply.addRecipient("<c@example.org>"), MilterReply.addRecipient("<d@example.org>", "NOTIFY=NEVER"),
                MilterReply.deleteRecipient("<b@example.net>"), MilterReply.changeSender("<s@example.com>", "RET=HDRS"),
                MilterReply.accept());
        FilterResult r = transaction(filter(Map.of()), MESSAGE).data;
        assertEquals(FilterAction.CONTINUE, r.action(), "accept with edits lets the other filters of the stage run");
        MessageEdits e = r.edits();
        assertEquals(List.of(new MessageEdits.HeaderEdit(HeaderOp.ADD, "X-Spam", 0, "yes"),
                new MessageEdits.HeaderEdit(HeaderOp.INSERT, "X-First", 0, "1"),
                new MessageEdits.HeaderEdit(HeaderOp.CHANGE, "Subject", 1, "changed\r\n\tfolded"),
                new MessageEdits.HeaderEdit(HeaderOp.DELETE, "From", 1, null)), e.headerEdits());
        Path body = e.replacementBody().orElseThrow();
        assertEquals("new body\r\n", Files.readString(body));
        Files.delete(body);
        assertEquals(List.of(new MessageEdits.RecipientEdit(RecipientOp.ADD, rcpt("c@example.org")),
                new MessageEdits.RecipientEdit(RecipientOp.ADD, new Recipient(MailAddress.parse("d@example.org"), Map.of("NOTIFY", "NEVER"))),
                new MessageEdits.RecipientEdit(RecipientOp.DELETE, rcpt("b@example.net"))), e.recipientEdits());
        assertEquals(new MessageEdits.SenderChange(MailAddress.parse("s@example.com"), Map.of("RET", "HDRS")), e.senderChange().orElseThrow());
    }

    @Test
    void quarantineHoldsTheMessage() throws Exception {
        milter.on(Stage.EOM, MilterReply.quarantine("looks odd"), MilterReply.proceed());
        assertEquals(FilterAction.HOLD, transaction(filter(Map.of()), MESSAGE).data.action());
    }

    @Test
    void progressRestartsTheWaitUpToTheLimit() throws Exception {
        milter.on(Stage.EOM, MilterReply.pause(300), MilterReply.progress(), MilterReply.pause(300), MilterReply.progress(),
                MilterReply.pause(300), MilterReply.accept());
        MilterFilter patient = filter(Map.of("endOfMessageTimeoutMillis", 500L, "endOfMessageLimitMillis", 5000L));
        assertEquals(FilterAction.CONTINUE, transaction(patient, MESSAGE).data.action());
        assertEquals(2, patient.metrics().actions("progress"));
        MilterFilter limited = filter(Map.of("endOfMessageTimeoutMillis", 500L, "endOfMessageLimitMillis", 700L));
        long start = System.nanoTime();
        assertEquals("451 4.7.1 Service unavailable - try again later", transaction(limited, MESSAGE).data.reply().toString());
        assertTrue(System.nanoTime() - start < 3_000_000_000L);
        assertEquals(1, limited.metrics().failures(MilterFailure.Kind.TIMEOUT));
    }

    @Test
    void aMilterThatNeverAnswersGetsTheDefaultAction() throws Exception {
        milter.on(Stage.MAIL, MilterReply.never());
        long start = System.nanoTime();
        TransactionState state = new TransactionState();
        FilterResult r = filter(Map.of("commandTimeoutMillis", 300L)).mailFrom(SESSION, envelope(), state);
        assertEquals("451 4.7.1 Service unavailable - try again later", r.reply().toString());
        assertTrue(System.nanoTime() - start < 2_000_000_000L);
        state.end(e -> { });
        assertEquals(FilterAction.CONTINUE, filter(Map.of("commandTimeoutMillis", 300L, "defaultAction", DefaultAction.ACCEPT))
                .mailFrom(SESSION, envelope(), new TransactionState()).action());
        assertEquals("550 5.7.1 Command rejected", filter(Map.of("commandTimeoutMillis", 300L, "defaultAction", DefaultAction.REJECT))
                .mailFrom(SESSION, envelope(), new TransactionState()).reply().toString());
    }

    @Test
    void anUnreachableMilterGetsTheDefaultActionAtEveryStage() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        MilterFilter filter = filter(Map.of("address", "inet:127.0.0.1:" + closedPort));
        TransactionState state = new TransactionState();
        assertEquals(451, filter.mailFrom(SESSION, envelope(), state).reply().code());
        assertEquals(451, filter.rcptTo(SESSION, envelope(), rcpt("b@example.net"), state).reply().code());
        assertEquals(1, filter.metrics().failures(MilterFailure.Kind.UNREACHABLE));
        MilterFilter accepting = filter(Map.of("address", "inet:127.0.0.1:" + closedPort, "defaultAction", DefaultAction.ACCEPT));
        assertEquals(FilterAction.CONTINUE, transaction(accepting, MESSAGE).data.action());
    }

    @Test
    void badInputFromTheMilterGetsTheDefaultAction() throws Exception {
        milter.on(Stage.EOM, MilterReply.truncated());
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
        milter.on(Stage.EOM, MilterReply.raw('Z', new byte[0]));
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
        milter.on(Stage.EOM, MilterReply.addHeader("Bad Name", "x"), MilterReply.accept());
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
        milter.on(Stage.EOM, MilterReply.replyCode("250 fine"));
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
        milter.on(Stage.RCPT, MilterReply.addHeader("X-Early", "x"));
        milter.on(Stage.EOM, MilterReply.accept());
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
    }

    @Test
    void aBodyReplacementOverTheMessageSizeLimitIsBadInputToo() throws Exception {
        // maxBodyReplacement is at its default (50 MB): the listener's limit, as the server gives it, bounds the body
        milter.on(Stage.EOM, MilterReply.replaceBody("0123456789"), MilterReply.replaceBody("0123456789"), MilterReply.accept());
        assertBadInput(transaction(filter(Map.of()), view(MESSAGE, 15)));
    }

    @Test
    void aBodyReplacementOverTheLimitGetsTheDefaultActionAndLeavesNoFile(@TempDir Path tmp) throws Exception {
        milter.on(Stage.EOM, MilterReply.replaceBody("0123456789"), MilterReply.replaceBody("0123456789"), MilterReply.accept());
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        try {
            assertBadInput(transaction(filter(Map.of("maxBodyReplacement", 15L)), MESSAGE));
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "the partial body is deleted");
        }
    }

    @Test
    void aModificationNotAskedForInNegotiationIsRefused() throws Exception {
        milter.negotiate(Protocol.ADDHDRS, 0).on(Stage.EOM, MilterReply.replaceBody("x"), MilterReply.accept());
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
        milter.negotiate(0x400, 0);
        assertBadInput(transaction(filter(Map.of()), MESSAGE));
    }

    @Test
    void stepsLeftOutAreNotSentAndNoReplyStepsAreNotAwaited() throws Exception {
        milter.negotiate(Protocol.ACTIONS_OFFERED, Protocol.NOHELO | Protocol.NOHDRS | Protocol.NORCPT | Protocol.NR_CONN
                | Protocol.NR_MAIL | Protocol.NR_DATA | Protocol.NR_EOH | Protocol.NR_BODY);
        MilterFilter filter = filter(Map.of("commandTimeoutMillis", 2000L));
        long start = System.nanoTime();
        assertEquals(FilterAction.CONTINUE, transaction(filter, MESSAGE).data.action());
        assertTrue(System.nanoTime() - start < 1_500_000_000L, "no wait for steps that are not answered");
        assertTrue(milter.received('H').isEmpty());
        assertTrue(milter.received('L').isEmpty());
        assertTrue(milter.received('R').isEmpty());
        assertEquals(1, milter.received('C').size());
        assertEquals("line one\r\nline two\r\n", milter.lastBody());
        assertEquals(Set.of(FilterStage.MAIL, FilterStage.DATA), filter.stages(), "RCPT is not hooked once the milter left it out");
    }

    @Test
    void headerValuesKeepTheirLeadingSpaceWhenAskedFor() throws Exception {
        milter.negotiate(Protocol.ACTIONS_OFFERED, Protocol.HDR_LEADSPC | Protocol.NR_HDR);
        transaction(filter(Map.of()), MESSAGE);
        assertEquals(" hello", milter.received('L').get(1).strings().get(1));
    }

    @Test
    void theBodyGoesInChunksOfAtMost65535BytesAndSkipStopsIt() throws Exception {
        String big = "x".repeat(998) + "\r\n";
        String message = "Subject: big\r\n\r\n" + big.repeat(150);
        transaction(filter(Map.of()), message);
        List<MilterCommand> chunks = milter.received('B');
        assertEquals(3, chunks.size());
        assertEquals(65535, chunks.get(0).payload().length);
        assertEquals(150_000, chunks.stream().mapToInt(c -> c.payload().length).sum());
        milter.clearReceived();
        milter.negotiate(Protocol.ACTIONS_OFFERED, Protocol.SKIP_FLAG).on(Stage.BODY, MilterReply.skip());
        assertEquals(FilterAction.CONTINUE, transaction(filter(Map.of()), message).data.action());
        assertEquals(1, milter.received('B').size());
        assertEquals(1, milter.received('E').size());
        milter.negotiate(Protocol.ACTIONS_OFFERED, 0);
        assertBadInput(transaction(filter(Map.of()), message));
    }

    @Test
    void theMiltersSymbolListReplacesTheConfiguredMacros() throws Exception {
        milter.symlist(0, "{client_addr} {client_port}").symlist(5, "i {mail_addr}");
        transaction(filter(Map.of()), MESSAGE);
        assertEquals(Map.of("{client_addr}", "192.0.2.7", "{client_port}", "4321"), milter.received('C').get(0).macros());
        assertEquals(Map.of("i", "Q1", "{mail_addr}", "a@example.com"), milter.received('E').get(0).macros());
    }

    @Test
    void anOldProtocolVersionIsRefused() throws Exception {
        milter.version(1);
        assertEquals(451, filter(Map.of()).mailFrom(SESSION, envelope(), new TransactionState()).reply().code());
    }

    @Test
    void otherListenersMailIsNotJudged() throws Exception {
        MilterFilter filter = filter(Map.of("listeners", new String[] {"submission"}));
        assertEquals(FilterAction.CONTINUE, transaction(filter, MESSAGE).data.action());
        assertEquals(0, milter.connections());
    }

    @Test
    void aUnixSocketMilter(@TempDir Path dir) throws Exception {
        try (TestMilter unix = TestMilter.startUnix(dir.resolve("milter.sock"))) {
            unix.on(Stage.EOM, MilterReply.addHeader("X-Unix", "yes"), MilterReply.accept());
            FilterResult r = transaction(filter(Map.of("address", unix.address())), MESSAGE).data;
            assertEquals("X-Unix", r.edits().headerEdits().get(0).name());
        }
    }

    @Test
    void aBadSettingIsRefusedWholeAndTheLastGoodOneStays() {
        MilterFilter filter = filter(Map.of());
        Map<String, Object> bad = new HashMap<>(Map.of("address", "tcp:nowhere", "commandTimeoutMillis", 5L));
        filter.configure(AnnotationConfig.of(MilterFilter.Config.class, bad), Map.of());
        TransactionState state = new TransactionState();
        assertEquals(FilterAction.CONTINUE, filter.mailFrom(SESSION, envelope(), state).action(), "still the test milter");
        state.end(e -> { });
        filter.configure(AnnotationConfig.of(MilterFilter.Config.class, Map.of("address", milter.address(), "macrosMail", new String[] {"{bad name}"})), Map.of());
        assertEquals(FilterAction.CONTINUE, filter.mailFrom(SESSION, envelope(), new TransactionState()).action());
    }

    @Test
    void aFirstConfigurationThatIsRefusedDefersAllMail() {
        MilterFilter filter = new MilterFilter();
        filter.configure(AnnotationConfig.of(MilterFilter.Config.class, Map.of("address", "tcp:127.0.0.1:11332", "defaultAction", DefaultAction.ACCEPT)),
                Map.of("service.pid", "org.carrier.filter.milter~typo"));
        assertEquals("451 4.7.1 Service unavailable - try again later",
                String.valueOf(filter.mailFrom(SESSION, envelope(), new TransactionState()).reply()), "not unscanned mail");
        assertEquals(1, filter.metrics().failures(MilterFailure.Kind.UNREACHABLE));
        assertEquals("typo", filter.metrics().milter());
    }

    @Test
    void theNameComesFromTheConfigurationsName() {
        Map<String, Object> props = Map.of("service.pid", "org.carrier.filter.milter~rspamd");
        assertEquals("rspamd", MilterFilter.parse(AnnotationConfig.of(MilterFilter.Config.class, Map.of("address", "inet:127.0.0.1:11332")), props).name());
        assertEquals("inet:[::1]:11332", MilterAddress.parse("inet:[::1]:11332").text());
        assertEquals("::1", ((InetSocketAddress) MilterAddress.parse("inet:[::1]:11332").address()).getHostString());
    }

    private static void assertBadInput(Outcome o) {
        assertEquals("451 4.7.1 Service unavailable - try again later", String.valueOf(o.data.reply()), "defaultAction TEMPFAIL");
        assertFalse(o.data.edits() != null && !o.data.edits().isEmpty());
    }

    /** What one transaction gave: the data stage's result, and the state (ended). */
    private record Outcome(FilterResult data, TransactionState state) {
    }

    /** MAIL FROM, one RCPT TO and the data, as the SMTP server runs them, then the end of the transaction. */
    private Outcome transaction(MilterFilter filter, String message) {
        return transaction(filter, view(message, Long.MAX_VALUE));
    }

    private Outcome transaction(MilterFilter filter, MessageView message) {
        TransactionState state = new TransactionState();
        Envelope env = envelope();
        FilterResult mail = filter.mailFrom(SESSION, env, state);
        if (mail.action() == FilterAction.REJECT || mail.action() == FilterAction.TEMPFAIL) {
            state.end(e -> { });
            return new Outcome(mail, state);
        }
        Recipient r = rcpt("b@example.net");
        FilterResult rcpt = filter.rcptTo(SESSION, env, r, state);
        if (rcpt.action() == FilterAction.REJECT || rcpt.action() == FilterAction.TEMPFAIL) {
            state.end(e -> { });
            return new Outcome(rcpt, state);
        }
        FilterResult data = filter.data(SESSION, env.withRecipient(r), message, state);
        state.end(e -> { });
        return new Outcome(data, state);
    }

    private MilterFilter filter(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("address", milter.address(), "name", "test"));
        all.putAll(settings);
        MilterFilter filter = new MilterFilter();
        filter.configure(AnnotationConfig.of(MilterFilter.Config.class, all), Map.of());
        return filter;
    }

    private static Envelope envelope() {
        return Envelope.from(MailAddress.parse("a@example.com"), Map.of("SIZE", "120"));
    }

    private static Recipient rcpt(String address) {
        return Recipient.of(MailAddress.parse(address));
    }

    private static MessageView view(String message, long maxSize) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        return new MessageView() {
            @Override
            public String queueId() {
                return "Q1";
            }

            @Override
            public List<HeaderField> headers() {
                return List.of();
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public long maxSize() {
                return maxSize;
            }

            @Override
            public InputStream openContent() {
                return new ByteArrayInputStream(bytes);
            }
        };
    }
}
