package org.carrier.queue.internal;

import static org.carrier.queue.internal.QueueFixture.SLOW;
import static org.carrier.queue.internal.QueueFixture.envelope;
import static org.carrier.queue.internal.QueueFixture.submit;
import static org.carrier.queue.internal.QueueFixture.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.metrics.Histogram;
import org.carrier.testing.RecordingMetricWriter;
import org.carrier.queue.internal.QueueMetrics.MessageState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's figures follow its messages: outcomes by status, delays, and messages by state. */
class QueueMetricsTest {
    @TempDir
    Path root;

    private QueueFixture fixture;

    @AfterEach
    void close() {
        fixture.close();
    }

    private SpoolQueue queue() throws Exception {
        fixture = fixture == null ? new QueueFixture(root) : fixture;
        return fixture.queue(SLOW);
    }

    private static SmtpReply byLocalPart(String localPart) {
        return switch (localPart) {
            case "later" -> new SmtpReply(451, "4.2.0", "try later");
            case "bad" -> new SmtpReply(550, "5.1.1", "no such user");
            default -> new SmtpReply(250, "2.0.0", "ok");
        };
    }

    @Test
    void eachRecipientOutcomeIsCountedByStatusAndDeliveriesByDelay() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> byLocalPart(r.address().localPart());
        submit(q, envelope("ok@relay.test", "later@relay.test", "bad@relay.test"), false);
        QueueMetrics m = q.metrics();
        // the bounce of bad@ is a DSN to the sender, delivered too: two sent in all
        assertTrue(waitFor(() -> m.deliveries("sent") == 2), () -> "sent: " + m.deliveries("sent"));
        assertEquals(1, m.deliveries("deferred"));
        assertEquals(1, m.deliveries("bounced"));
        Histogram.Snapshot delays = m.delays();
        assertEquals(2, delays.count());
        assertTrue(delays.sum() >= 0 && delays.sum() < 60, "seconds, not milliseconds: " + delays.sum());
    }

    @Test
    void messagesAreCountedByStateAsTheyMove() throws Exception {
        SpoolQueue q = queue();
        CountDownLatch go = new CountDownLatch(1);
        fixture.smtp.answer = r -> {
            if (r.address().localPart().equals("slow")) {
                await(go);
            }
            return byLocalPart(r.address().localPart());
        };
        QueueMetrics m = q.metrics();
        String held = submit(q, envelope("ok@relay.test"), true);
        String deferred = submit(q, envelope("later@relay.test"), false);
        submit(q, envelope("slow@relay.test"), false);
        assertTrue(waitFor(() -> m.messages(MessageState.ACTIVE) == 1 && m.messages(MessageState.DEFERRED) == 1),
                () -> counts(m).toString());
        assertEquals(Map.of("incoming", 0L, "active", 1L, "deferred", 1L, "hold", 1L), counts(m));

        go.countDown();
        assertTrue(q.release(held));
        assertTrue(waitFor(() -> counts(m).equals(Map.of("incoming", 0L, "active", 0L, "deferred", 1L, "hold", 0L))),
                () -> counts(m).toString());

        assertTrue(q.hold(deferred));
        assertEquals(Map.of("incoming", 0L, "active", 0L, "deferred", 0L, "hold", 1L), counts(m));
        assertTrue(q.delete(deferred));
        assertEquals(Map.of("incoming", 0L, "active", 0L, "deferred", 0L, "hold", 0L), counts(m));
    }

    @Test
    void aRestartCountsWhatTheSpoolHolds() throws Exception {
        SpoolQueue first = queue();
        fixture.smtp.answer = r -> byLocalPart(r.address().localPart());
        submit(first, envelope("ok@relay.test"), true);
        submit(first, envelope("later@relay.test"), false);
        assertTrue(waitFor(() -> first.metrics().messages(MessageState.DEFERRED) == 1));
        first.close();

        SpoolQueue second = queue();
        assertEquals(Map.of("incoming", 0L, "active", 0L, "deferred", 1L, "hold", 1L), counts(second.metrics()));
    }

    @Test
    void theFiguresAreWrittenUnderTheirNames() throws Exception {
        SpoolQueue q = queue();
        submit(q, envelope("ok@relay.test"), true);
        RecordingMetricWriter written = new RecordingMetricWriter();
        q.metrics().writeTo(written);
        assertEquals(Map.of("carrier_deliveries_total", "counter", "carrier_delivery_delay_seconds", "histogram",
                "carrier_queue_messages", "gauge"), written.types());
        Map<String, Double> samples = written.samples();
        assertEquals(0.0, samples.get("carrier_deliveries_total{status=sent}"), "every status from the start");
        assertEquals(0.0, samples.get("carrier_deliveries_total{status=bounced}"));
        assertEquals(0.0, samples.get("carrier_delivery_delay_seconds_count{}"));
        assertEquals(1.0, samples.get("carrier_queue_messages{state=hold}"));
        assertEquals(0.0, samples.get("carrier_queue_messages{state=incoming}"));
    }

    private static Map<String, Long> counts(QueueMetrics m) {
        Map<String, Long> counts = new HashMap<>();
        for (MessageState s : MessageState.values()) {
            counts.put(s.label, m.messages(s));
        }
        return counts;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test did not let the delivery go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
