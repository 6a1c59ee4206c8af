package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.RecordingMetricWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SMTP server's figures, counted while real clients talk to a listener. */
class SmtpMetricsTest {
    private static final String HELLO = "EHLO client.test\r\n";
    private static final String MESSAGE = "DATA\r\nSubject: %s\r\n\r\nx\r\n.\r\n";

    private final TestServices services = new TestServices();
    private final ServerMetrics metrics = services.metrics;
    private SmtpListener listener;

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

    private static String message(String subject) {
        return "MAIL FROM:<s@client.test>\r\nRCPT TO:<a@localhost>\r\n" + MESSAGE.formatted(subject);
    }

    @Test
    void acceptedMessagesAreCountedAndRefusedOnesAreNot() throws Exception {
        services.filters.add(named("spamcheck", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                return subject(m).equals("spam") ? FilterResult.reject(554, "5.7.1", "spam") : FilterResult.proceed();
            }
        }));
        int port = start(100_000);
        List<String> replies = converse(port, HELLO + message("one") + message("spam") + message("two") + "QUIT\r\n", 15);
        assertTrue(replies.get(14).startsWith("221"), replies.toString());
        assertEquals(2, services.queue.committed.size());
        assertEquals(2, metrics.receivedCount());
    }

    @Test
    void sessionsOpenRiseWithConnectionsAndFallWhenTheyClose() throws Exception {
        int port = start(100_000);
        try (Socket first = greeted(port); Socket second = greeted(port)) {
            assertEquals(2, metrics.sessionsOpen());
        }
        awaitZero(metrics::sessionsOpen);
    }

    @Test
    void eachFiltersVerdictIsCountedUnderItsName() throws Exception {
        services.filters.add(named("sorter", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo s, Envelope e, MessageView m, TransactionState state) {
                return switch (subject(m)) {
                    case "drop" -> FilterResult.discard();
                    case "hold" -> FilterResult.hold();
                    case "bad" -> FilterResult.reject(550, "5.7.1", "no");
                    case "later" -> FilterResult.tempfail(451, "4.7.1", "later");
                    default -> FilterResult.proceed();
                };
            }
        }));
        services.filters.add(named("broken", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.RCPT);
            }

            @Override
            public FilterResult rcptTo(SessionInfo s, Envelope e, Recipient r, TransactionState state) {
                if (r.address().localPart().equals("crash")) {
                    throw new IllegalStateException("bug");
                }
                return FilterResult.proceed();
            }
        }));
        int port = start(100_000);
        converse(port, HELLO + message("fine") + message("drop") + message("hold") + message("bad") + message("later")
                + "MAIL FROM:<s@client.test>\r\nRCPT TO:<crash@localhost>\r\nQUIT\r\n", 24);
        assertEquals(1, metrics.verdicts("sorter", FilterAction.CONTINUE));
        assertEquals(1, metrics.verdicts("sorter", FilterAction.DISCARD));
        assertEquals(1, metrics.verdicts("sorter", FilterAction.HOLD));
        assertEquals(1, metrics.verdicts("sorter", FilterAction.REJECT));
        assertEquals(1, metrics.verdicts("sorter", FilterAction.TEMPFAIL));
        assertEquals(5, metrics.verdicts("broken", FilterAction.CONTINUE));
        assertEquals(1, metrics.verdicts("broken", FilterAction.TEMPFAIL), "a filter that throws counts as tempfail");
    }

    @Test
    void aSizeRefusalIsARejectOfTheFilterWhoseLimitItWas() throws Exception {
        services.filters.add(sizeFilter(300));
        int port = start(100_000);
        String big = "x".repeat(78).concat("\r\n").repeat(10);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test> SIZE=301\r\n"
                + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nDATA\r\n" + big + ".\r\n"
                + "MAIL FROM:<s@c.test>\r\nRCPT TO:<a@localhost>\r\nBDAT 400\r\n" + big.substring(0, 400)
                + "BDAT 10 LAST\r\n0123456789QUIT\r\n", 11);
        assertTrue(replies.get(2).startsWith("552 5.3.4"), replies.toString());
        assertTrue(replies.get(6).startsWith("552 5.3.4"), replies.toString());
        assertTrue(replies.get(9).startsWith("552 5.3.4"), replies.toString());
        assertEquals(3, metrics.verdicts("size", FilterAction.REJECT), "at MAIL, during DATA and during BDAT");
    }

    @Test
    void theListenersOwnSizeLimitIsNoFiltersVerdict() throws Exception {
        services.filters.add(sizeFilter(1_000));
        int port = start(50);
        List<String> replies = converse(port, HELLO + "MAIL FROM:<s@c.test> SIZE=51\r\nQUIT\r\n", 4);
        assertTrue(replies.get(2).startsWith("552 5.3.4"), replies.toString());
        assertEquals(0, metrics.verdicts("size", FilterAction.REJECT));
    }

    @Test
    void aFilterInTheChainIsShownBeforeItsFirstVerdict() {
        ServerMetrics own = new ServerMetrics();
        new FilterChain(List.of(sizeFilter(1_000)), own);
        RecordingMetricWriter written = new RecordingMetricWriter();
        own.writeTo(written);
        assertEquals(0.0, written.samples().get("carrier_filter_verdicts_total{filter=size,verdict=reject}"));
        assertEquals(0.0, written.samples().get("carrier_filter_verdicts_total{filter=size,verdict=continue}"));
    }

    @Test
    void theSourceWritesEveryFigureUnderItsName() {
        ServerMetrics.BUNDLE.received();
        ServerMetrics.BUNDLE.verdict("spf", FilterAction.REJECT);
        RecordingMetricWriter written = new RecordingMetricWriter();
        new SmtpMetricSource().collect(written);
        assertEquals(Map.of("carrier_smtp_messages_received_total", "counter", "carrier_smtp_sessions_open", "gauge",
                "carrier_filter_verdicts_total", "counter"), written.types());
        assertTrue(written.samples().get("carrier_filter_verdicts_total{filter=spf,verdict=reject}") >= 1, written.samples().toString());
    }

    /** A filter that only states a size limit, as the size filter does. */
    private static FilterChain.Named sizeFilter(long limit) {
        return named("size", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of();
            }

            @Override
            public long maxMessageSize(SessionInfo s) {
                return limit;
            }
        });
    }

    private static FilterChain.Named named(String name, SmtpFilter filter) {
        return new FilterChain.Named(name, filter);
    }

    private static String subject(MessageView m) {
        return m.headers().stream().filter(h -> h.name().equals("Subject")).findFirst().orElseThrow().value();
    }

    private static Socket greeted(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5_000);
        String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertTrue(greeting.startsWith("220"), greeting);
        return s;
    }

    private static void awaitZero(LongSupplier value) throws InterruptedException {
        for (int i = 0; i < 500 && value.getAsLong() != 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, value.getAsLong());
    }

    private static List<String> converse(int port, String script, int replies) throws IOException {
        return SmtpListenerTest.converse(port, script, replies);
    }
}
