package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The listener on the network: pipelining, DATA, limits and filters, as a client sees them. */
class SmtpListenerTest {
    /** localhost is local, relay.test is routed, anything else is refused: {@link ProtocolDriver#ROUTER}. */
    private final TestServices services = new TestServices();
    private final MemoryQueue queue = services.queue;
    private final List<FilterChain.Named> filters = services.filters;
    private SmtpListener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private int start(String trusted, long maxSize, int maxRecipients, int maxConnections, boolean normalize) throws IOException {
        return start(TestSettings.of("trustedNetworks", trusted, "maxMessageSize", maxSize, "maxRecipients", maxRecipients,
                "maxConnections", maxConnections, "bareLineEndings", normalize ? "normalize" : "reject"));
    }

    private int start(ListenerSettings settings) throws IOException {
        listener = new SmtpListener(settings, services);
        return listener.port();
    }

    private int start() throws IOException {
        return start("127.0.0.0/8", 100_000, 100, 10, false);
    }

    /** Plays {@code script} as a pipelining client ({@link Clients#play}): the last line of each reply, until {@code replies} are read. */
    static List<String> converse(int port, String script, int replies) throws IOException {
        return allLines(port, script, replies).stream().filter(l -> l.length() < 4 || l.charAt(3) == ' ').toList();
    }

    /** As {@link #converse}, with the lines of multi-line replies too. */
    private static List<String> allLines(int port, String script, int replies) throws IOException {
        return Clients.play(port, script, replies, 5_000);
    }

    private static final String HELLO = "EHLO client.test\r\n";

    @Test
    void aPipelinedTransactionIsAnsweredInOrderAndQueued() throws Exception {
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<sender@client.test> SIZE=100\r\nRCPT TO:<alice@localhost>\r\n"
                + "RCPT TO:<Bob@Relay.Test>\r\nDATA\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n", 8);
        assertEquals(List.of("220", "250", "250", "250", "250", "354", "250", "221"), replies.stream().map(r -> r.substring(0, 3)).toList());
        assertEquals(1, queue.committed.size());
        assertEquals(List.of("alice@localhost", "Bob@relay.test"),
                queue.committed.get(0).envelope().recipients().stream().map(r -> r.address().toString()).toList());
    }

    /** Many clients at once, each pipelining whole transactions: every reply in order, every message queued once. */
    @Test
    void concurrentPipelinedSessionsAreEachAnsweredInOrder() throws Exception {
        int port = start("127.0.0.0/8", 100_000, 100, 100, false);
        int clients = 40;
        int messages = 5;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> sessions = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                StringBuilder script = new StringBuilder(HELLO);
                for (int m = 0; m < messages; m++) {
                    script.append("MAIL FROM:<c").append(c).append("@client.test>\r\nRCPT TO:<m").append(m)
                            .append("@localhost>\r\nDATA\r\nSubject: ").append(c).append('/').append(m).append("\r\n\r\n")
                            .append("x".repeat(2000)).append("\r\n.\r\n");
                }
                script.append("QUIT\r\n");
                sessions.add(pool.submit(() -> converse(port, script.toString(), 3 + 4 * messages)));
            }
            List<String> expected = new ArrayList<>(List.of("220", "250"));
            for (int m = 0; m < messages; m++) {
                expected.addAll(List.of("250", "250", "354", "250"));
            }
            expected.add("221");
            for (Future<List<String>> session : sessions) {
                assertEquals(expected, session.get(60, TimeUnit.SECONDS).stream().map(r -> r.substring(0, 3)).toList());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(clients * messages, queue.committed.size());
        assertEquals(clients * messages, queue.committed.stream().map(m -> m.content().substring(m.content().indexOf("Subject: "))).distinct().count());
    }

    @Test
    void theQueuedMessageHasReceivedFirstAndIsDotUnstuffed() throws Exception {
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<sender@client.test>\r\nRCPT TO:<alice@localhost>\r\n"
                + "DATA\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n", 7);
        assertTrue(replies.get(5).matches("250 2\\.0\\.0 Ok: queued as Q1"), replies.toString());
        MemoryQueue.Committed m = queue.committed.get(0);
        assertEquals("sender@client.test", m.envelope().reversePath().toString());
        assertEquals("alice@localhost", m.envelope().recipients().get(0).address().toString());
        assertTrue(m.content().startsWith("Received: from client.test ([127.0.0.1])\r\n\tby mx.carrier.test (Carrier) with ESMTP id Q1\r\n\tfor <alice@localhost>;"),
                m.content());
        assertTrue(m.content().endsWith("\r\nSubject: hi\r\n\r\n.leading dot\r\nbody\r\n"), m.content());
    }

    @Test
    void aBareLfDotLfDoesNotEndTheDataAndIsRefused() throws Exception {
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@client.test>\r\nRCPT TO:<alice@localhost>\r\nDATA\r\n"
                + "Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@client.test>\r\n.\r\nQUIT\r\n", 7);
        assertEquals("550 5.6.11", replies.get(5).substring(0, 10), replies.toString());
        assertTrue(queue.committed.isEmpty());
        assertEquals("221", replies.get(6).substring(0, 3), "the smuggled MAIL was data, not a command");
    }

    @Test
    void bareLineEndingsCanBeNormalized() throws Exception {
        int port = start("127.0.0.0/8", 100_000, 100, 10, true);
        converse(port, HELLO + "MAIL FROM:<s@client.test>\r\nRCPT TO:<alice@localhost>\r\nDATA\r\nSubject: x\n\nline\rnext\r\n.\r\nQUIT\r\n", 7);
        assertTrue(queue.committed.get(0).content().endsWith("Subject: x\r\n\r\nline\r\nnext\r\n"), queue.committed.get(0).content());
    }

    @Test
    void commandErrorsGetTheirCodes() throws Exception {
        int port = start();
        List<String> replies = converse(port, "MAIL FROM:<a@b.test>\r\nEHLO\r\n" + HELLO + "RCPT TO:<alice@localhost>\r\nDATA\r\n"
                + "FOO\r\nEXPN list\r\nMAIL FROM:a@b.test\r\nMAIL FROM:<bad address@b.test>\r\nMAIL FROM:<a@b.test> FOO=1\r\n"
                + "MAIL FROM:<a@b.test>\r\nMAIL FROM:<a@b.test>\r\nDATA\r\nRSET\r\nNOOP\r\nVRFY x\r\nQUIT\r\n", 18);
        List<String> codes = replies.stream().map(r -> r.length() >= 9 ? r.substring(0, 9) : r).toList();
        assertEquals(List.of("220 mx.ca", "503 5.5.1", "501 5.5.4", "250 CHUNK", "503 5.5.1", "503 5.5.1", "500 5.5.1", "502 5.5.1",
                "501 5.1.7", "501 5.1.7", "555 5.5.4", "250 2.1.0", "503 5.5.1", "554 5.5.1", "250 2.0.0", "250 2.0.0", "252 2.5.0",
                "221 2.0.0"), codes);
    }

    @Test
    void commandsAreCaseInsensitiveAndEhloListsExtensions() throws Exception {
        int port = start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("ehlo client.test\r\nquit\r\n".getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(all.contains("250-mx.carrier.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                    + "250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n250 CHUNKING\r\n"), all);
            assertTrue(all.endsWith("221 2.0.0 Bye\r\n"));
        }
    }

    @Test
    void untrustedClientsMayNotRelayButMaySendToLocalUsers() throws Exception {
        int port = start("10.0.0.0/8", 100_000, 100, 10, false);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@client.test>\r\nRCPT TO:<bob@relay.test>\r\n"
                + "RCPT TO:<alice@localhost>\r\nRCPT TO:<x@nowhere.test>\r\nQUIT\r\n", 6);
        assertTrue(replies.get(3).startsWith("554 5.7.1 <bob@relay.test>: Relay access denied"), replies.get(3));
        assertTrue(replies.get(4).startsWith("250 2.1.5"));
        assertTrue(replies.get(5).startsWith("550 5.4.4 no route to domain nowhere.test"), replies.get(5));
    }

    @Test
    void sizeLimitsAreEnforcedBeforeAndAfterData() throws Exception {
        int port = start("127.0.0.0/8", 50, 100, 10, false);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@client.test> SIZE=51\r\nMAIL FROM:<s@client.test>\r\n"
                + "RCPT TO:<alice@localhost>\r\nDATA\r\n" + "x".repeat(100) + "\r\n.\r\nQUIT\r\n", 8);
        assertTrue(replies.get(2).startsWith("552 5.3.4"), replies.get(2));
        assertTrue(replies.get(6).startsWith("552 5.3.4"), replies.get(6));
        assertTrue(queue.committed.isEmpty());
        assertEquals(1, queue.discarded.get());
    }

    @Test
    void tooManyRecipientsGet452() throws Exception {
        int port = start("127.0.0.0/8", 1000, 2, 10, false);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nRCPT TO:<b@localhost>\r\n"
                + "RCPT TO:<c@localhost>\r\nQUIT\r\n", 7);
        assertTrue(replies.get(5).startsWith("452 4.5.3"), replies.toString());
    }

    @Test
    void filtersRejectAtRcptAndDataAndTheirHeadersAreQueued() throws Exception {
        filters.add(new FilterChain.Named("tagger", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.RCPT, FilterStage.DATA);
            }

            @Override
            public FilterResult rcptTo(SessionInfo s, Envelope e, Recipient r, TransactionState state) {
                return r.address().localPart().equals("blocked") ? FilterResult.reject(550, "5.7.1", "blocked by policy")
                        : FilterResult.proceed().withHeader("X-Rcpt-Checked", r.address().toString());
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                boolean spam = m.headers().stream().anyMatch(h -> h.name().equals("Subject") && h.value().contains("spam"));
                return spam ? FilterResult.reject(554, "5.7.1", "looks like spam") : FilterResult.proceed();
            }
        }));
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test>\r\nRCPT TO:<blocked@localhost>\r\nRCPT TO:<ok@localhost>\r\n"
                + "DATA\r\nSubject: buy spam\r\n\r\nx\r\n.\r\nMAIL FROM:<s@c.test>\r\nRCPT TO:<ok@localhost>\r\nDATA\r\nSubject: fine\r\n\r\nx\r\n.\r\nQUIT\r\n", 11);
        assertTrue(replies.get(3).startsWith("550 5.7.1 blocked by policy"), replies.toString());
        assertTrue(replies.get(6).startsWith("554 5.7.1 looks like spam"), replies.toString());
        assertTrue(replies.get(10).startsWith("250 2.0.0 Ok: queued as"), replies.toString());
        assertEquals(1, queue.committed.size());
        assertEquals("X-Rcpt-Checked: ok@localhost", queue.committed.get(0).headers().get(0).toString());
    }

    @Test
    void aFilterThatThrowsFailsSafeWith451() throws Exception {
        filters.add(new FilterChain.Named("broken", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.MAIL);
            }

            @Override
            public FilterResult mailFrom(SessionInfo s, Envelope e, TransactionState state) {
                throw new IllegalStateException("bug");
            }
        }));
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test>\r\nQUIT\r\n", 4);
        assertTrue(replies.get(2).startsWith("451 4.3.0"), replies.toString());
    }

    @Test
    void discardedAndHeldMessagesAreHandledAsAsked() throws Exception {
        filters.add(new FilterChain.Named("sorter", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                String subject = m.headers().stream().filter(h -> h.name().equals("Subject")).findFirst().orElseThrow().value();
                return subject.equals("drop") ? FilterResult.discard() : subject.equals("hold") ? FilterResult.hold() : FilterResult.proceed();
            }
        }));
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: drop\r\n\r\nx\r\n.\r\n"
                + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: hold\r\n\r\nx\r\n.\r\nQUIT\r\n", 11);
        assertTrue(replies.get(5).startsWith("250 2.0.0"), replies.toString());
        assertEquals(1, queue.committed.size(), "the discarded message was not queued");
        assertTrue(queue.committed.get(0).hold());
    }

    @Test
    void aConnectFilterCanRefuseTheSession() throws Exception {
        filters.add(new FilterChain.Named("blocklist", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.CONNECT);
            }

            @Override
            public FilterResult connect(SessionInfo s) {
                return FilterResult.reject(554, "5.7.1", "listed").andDisconnect();
            }
        }));
        List<String> replies = converse(start(), "", 1);
        assertEquals(List.of("554 5.7.1 listed"), replies);
    }

    @Test
    void connectionsBeyondTheLimitGet421() throws Exception {
        int port = start("127.0.0.0/8", 1000, 10, 1, false);
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port)) {
            first.setSoTimeout(5_000);
            new BufferedReader(new InputStreamReader(first.getInputStream())).readLine();
            List<String> replies = converse(port, "", 1);
            assertTrue(replies.get(0).startsWith("421 4.7.0"), replies.toString());
        }
    }

    @Test
    void aDrainedNodeGreetsNewSessionsWith421AndLetsOpenOnesFinish() throws Exception {
        int port = start();
        try (Socket open = new Socket(InetAddress.getLoopbackAddress(), port)) {
            open.setSoTimeout(5_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(open.getInputStream(), StandardCharsets.US_ASCII));
            assertTrue(in.readLine().startsWith("220 "));
            services.draining = true;
            List<String> refused = converse(port, "", 1);
            assertEquals(1, refused.size(), refused.toString());
            assertTrue(refused.get(0).startsWith("421 4.3.2 ") && refused.get(0).contains("draining"), refused.toString());
            OutputStream out = open.getOutputStream();
            out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(in.readLine().startsWith("250 "), "the session begun before the drain goes on");
        }
        services.draining = false;
        assertTrue(converse(port, "", 1).get(0).startsWith("220 "), "undrained: a new session is greeted again");
    }

    @Test
    void anOverlongCommandLineIsRefused() throws Exception {
        List<String> replies = converse(start(), "NOOP " + "x".repeat(993) + "\r\nNOOP " + "x".repeat(994) + "\r\nQUIT\r\n", 4);
        assertTrue(replies.get(1).startsWith("250 2.0.0"), "1000 octets with CRLF are fine: " + replies);
        assertTrue(replies.get(2).startsWith("500 5.5.2"), replies.toString());
        assertTrue(replies.get(3).startsWith("221"), replies.toString());
    }

    @Test
    void authenticationResultsGoIntoOneFieldAndLaterDataFiltersSeeEarlierOnes() throws Exception {
        List<List<AuthResult>> seenByLast = new ArrayList<>();
        filters.add(new FilterChain.Named("helo-check", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.HELO);
            }

            @Override
            public FilterResult helo(SessionInfo s) {
                return FilterResult.proceed().withAuthResult(AuthResult.of("spf", "none", "smtp.helo=" + s.heloName()));
            }
        }));
        filters.add(new FilterChain.Named("mail-check", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.MAIL, FilterStage.DATA);
            }

            @Override
            public FilterResult mailFrom(SessionInfo s, Envelope e, TransactionState state) {
                return FilterResult.proceed().withHeader("Received-SPF", "pass")
                        .withAuthResult(AuthResult.of("spf", "pass", "smtp.mailfrom=" + e.reversePath().domain()));
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                return FilterResult.proceed().withAuthResult(AuthResult.of("dkim", "pass", "header.d=c.test"));
            }
        }));
        filters.add(new FilterChain.Named("last", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                seenByLast.add(m.authResults());
                return FilterResult.proceed();
            }
        }));
        int port = start();
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: x\r\n\r\nx\r\n.\r\n"
                + "RSET\r\nMAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: y\r\n\r\ny\r\n.\r\nQUIT\r\n", 12);
        assertTrue(replies.get(11).startsWith("221"), replies.toString());
        assertEquals(List.of("spf=none smtp.helo=client.test", "spf=pass smtp.mailfrom=c.test", "dkim=pass header.d=c.test"),
                seenByLast.get(0).stream().map(AuthResult::toString).toList());
        assertEquals(seenByLast.get(0), seenByLast.get(1), "the second transaction carries the session's results, once");
        assertEquals(2, queue.committed.size());
        for (MemoryQueue.Committed message : queue.committed) {
            // a trusted client's message without Date and Message-ID gets them at intake, after these (SubmittedHereTest)
            assertEquals(List.of("Authentication-Results: " + TestSettings.HOSTNAME + ";\r\n\tspf=none smtp.helo=client.test;\r\n\t"
                    + "spf=pass smtp.mailfrom=c.test;\r\n\tdkim=pass header.d=c.test", "Received-SPF: pass"),
                    message.headers().subList(0, 2).stream().map(Object::toString).toList());
        }
    }

    @Test
    void aFiltersSizeLimitIsAdvertisedAndEnforcedAtMailAndData() throws Exception {
        filters.add(new FilterChain.Named("size", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of();
            }

            @Override
            public long maxMessageSize(SessionInfo s) {
                return 300;
            }
        }));
        int port = start();
        List<String> ehlo = allLines(port, HELLO + "QUIT\r\n", 3);
        assertTrue(ehlo.toString().contains("SIZE 300"), "the least limit is advertised: " + ehlo);
        String big = "Subject: big\r\n\r\n" + "x".repeat(78).concat("\r\n").repeat(10) + ".\r\n";
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test> SIZE=301\r\nMAIL FROM:<s@c.test> SIZE=300\r\n"
                + "RCPT TO:<a@localhost>\r\nDATA\r\n" + big + "QUIT\r\n", 7);
        assertTrue(replies.get(2).startsWith("552 5.3.4"), replies.toString());
        assertTrue(replies.get(3).startsWith("250"), replies.toString());
        assertTrue(replies.get(6).startsWith("552 5.3.4"), "data past the filter's limit: " + replies);
        assertEquals(0, queue.committed.size());
    }
}
