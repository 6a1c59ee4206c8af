package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.testing.PrometheusParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end: traffic through the running distribution (mail delivered locally, relayed to a sink, refused by the
 * size filter that ships active, deferred at a closed port), then /metrics scraped over HTTP without login and read
 * by the Prometheus project's own parser: the figures must match the traffic. The log lines of a delivered and a
 * deferred message must have the one shape the README documents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
    private static final String SENDER = "sender@client.test";
    private static final Pattern QUEUED = Pattern.compile("queued as (\\S+)");

    private RunningCarrier carrier;
    private SmtpSink sink;
    private int closedPort;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        sink = new SmtpSink();
        closedPort = Distribution.freePort(); // nobody listens there: connection refused, deferred
        work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-metrics-");
        carrier = new RunningCarrier(work);
        carrier.configure("org.carrier.route-relay.cfg", "domains = relay.test\ntransport = smtp\ntls = none\n"
                + "nextHops = 127.0.0.1:" + sink.port() + "\n");
        carrier.configure("org.carrier.route-closed.cfg", "domains = closed.test\ntransport = smtp\ntls = none\n"
                + "nextHops = 127.0.0.1:" + closedPort + "\n");
        // one attempt per message within the test: the deferred one waits an hour for its next
        carrier.configure("org.carrier.queue.cfg", "retryDelays = 1h\n");
        carrier.configure("org.carrier.filter.size.cfg", "maxMessageSize = 4000\n");
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink);
    }

    @Test
    void theFiguresMatchTheTrafficAndTheLogLinesHaveOneShape() throws Exception {
        List<String> local = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            local.add(queueId(send("alice@localhost", 500)));
        }
        String relayed = queueId(send("bob@relay.test", 500));
        queueId(send("carol@relay.test", 500));
        String refused = send("alice@localhost", 6000);
        assertTrue(refused.startsWith("552 5.3.4"), "the size filter refuses it: " + refused);
        String deferred = queueId(send("dave@closed.test", 500));

        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() == 3), carrier.console());
        assertNotNull(sink.next(30), "first relayed message");
        assertNotNull(sink.next(30), "second relayed message");

        String loopbackOnly = "127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:";
        Map<String, Double> s = scrapeUntil(m -> value(m, "carrier_deliveries_total{\"status\":\"deferred\"}") == 1
                && value(m, "carrier_deliveries_total{\"status\":\"sent\"}") == 5
                && value(m, "carrier_smtp_sessions_open{}") == 0
                // the attempt's outcome is counted before the message moves from active to deferred
                && value(m, "carrier_queue_messages{\"state\":\"active\"}") == 0);
        assertEquals(6, value(s, "carrier_smtp_messages_received_total{}"), "accepted: 5 delivered and 1 deferred; not the refused one: " + s);
        assertEquals(5, value(s, "carrier_deliveries_total{\"status\":\"sent\"}"));
        assertEquals(1, value(s, "carrier_deliveries_total{\"status\":\"deferred\"}"));
        assertEquals(0, value(s, "carrier_deliveries_total{\"status\":\"bounced\"}"));
        assertEquals(1, value(s, "carrier_filter_verdicts_total{\"filter\":\"size\",\"verdict\":\"reject\"}"));
        assertEquals(0, value(s, "carrier_smtp_sessions_open{}"));
        assertEquals(5, value(s, "carrier_delivery_delay_seconds_count{}"));
        assertEquals(5, value(s, "carrier_delivery_delay_seconds_bucket{\"le\":\"+Inf\"}"));
        assertEquals(Map.of("incoming", 0.0, "active", 0.0, "deferred", 1.0, "hold", 0.0), Map.of(
                "incoming", value(s, "carrier_queue_messages{\"state\":\"incoming\"}"),
                "active", value(s, "carrier_queue_messages{\"state\":\"active\"}"),
                "deferred", value(s, "carrier_queue_messages{\"state\":\"deferred\"}"),
                "hold", value(s, "carrier_queue_messages{\"state\":\"hold\"}")));

        String log = carrier.awaitLog(deferred + ": to=<dave@closed.test>");
        assertLine(log, relayed + ": from=<" + SENDER + ">, size=\\d+, nrcpt=1 \\(queue active\\)");
        assertLine(log, relayed + ": to=<bob@relay\\.test>, relay=" + loopbackOnly + sink.port()
                + ", delay=\\d+\\.\\d, attempts=1, status=sent \\(250 .*\\)");
        assertLine(log, relayed + ": removed");
        assertLine(log, local.get(0) + ": to=<alice@localhost>, relay=maildir, delay=\\d+\\.\\d, attempts=1, status=sent \\(250 .*\\)");
        assertLine(log, deferred + ": to=<dave@closed\\.test>, relay=" + loopbackOnly + closedPort
                + ", delay=\\d+\\.\\d, attempts=1, status=deferred \\(451 4\\.4\\.1 .*\\)");
        assertEquals(1, count(log, Pattern.compile(Pattern.quote(relayed) + ": to=<")), "one line per recipient and attempt");
    }

    private String send(String to, int bodyBytes) throws IOException {
        return SmtpClient.send(carrier.smtpPort, SENDER, List.of(to), SmtpClient.message("metrics", bodyBytes));
    }

    private static String queueId(String reply) {
        Matcher m = QUEUED.matcher(reply);
        assertTrue(m.find(), reply);
        return m.group(1);
    }

    private static double value(Map<String, Double> samples, String series) {
        return samples.getOrDefault(series, 0.0);
    }

    /** Scrapes (and parses) until {@code ready} holds, for at most 30 s; the last scrape either way. */
    private Map<String, Double> scrapeUntil(Predicate<Map<String, Double>> ready) throws Exception {
        Map<String, Double> last = Map.of();
        for (int i = 0; i < 60; i++) {
            last = scrape();
            if (ready.test(last)) {
                return last;
            }
            Thread.sleep(500);
        }
        return last;
    }

    private Map<String, Double> scrape() throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + carrier.httpPort + "/metrics").toURL()
                .openConnection();
        c.setConnectTimeout(2_000);
        c.setReadTimeout(10_000);
        try {
            assertEquals(200, c.getResponseCode(), "no login needed from loopback");
            assertEquals("text/plain;version=0.0.4;charset=utf-8", c.getContentType().toLowerCase(Locale.ROOT).replace(" ", ""));
            String body;
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            PrometheusParser parsed = PrometheusParser.parse(body, Files.createTempDirectory(work, "scrape-"));
            assertEquals("histogram", parsed.families().get("carrier_delivery_delay_seconds"), body);
            assertEquals("gauge", parsed.families().get("carrier_queue_messages"), body);
            assertEquals("counter", parsed.families().get("carrier_filter_verdicts"), body);
            return parsed.samples();
        } finally {
            c.disconnect();
        }
    }

    /** A line whose message (after the layout's "logger - ") is exactly {@code regex}. */
    private static void assertLine(String log, String regex) {
        Pattern line = Pattern.compile("(?m) - " + regex + "$");
        assertTrue(line.matcher(log).find(), "no log line matching " + regex + " in:\n" + log);
    }

    private static long count(String text, Pattern pattern) {
        return pattern.matcher(text).results().count();
    }
}
