package org.carrier.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.util.Map;

import org.carrier.api.metrics.MetricSource;
import org.carrier.testing.PrometheusParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrapes gather every source present at the moment; only allowed clients are answered. */
class MetricsServletTest {
    @TempDir
    Path work;

    private static MetricsServlet.Config config(String networks) {
        return new MetricsServlet.Config() {
            @Override
            public String[] allowedNetworks() {
                return new String[] {networks};
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return MetricsServlet.Config.class;
            }
        };
    }

    @Test
    void eachScrapeAsksTheSourcesThereAndSkipsOneThatFails() throws Exception {
        MetricsServlet servlet = new MetricsServlet();
        servlet.configure(config("127.0.0.0/8"), Map.of());
        MetricSource queue = out -> out.gauge("carrier_queue_messages", "Queued", 7, "state", "deferred");
        MetricSource broken = out -> {
            throw new IllegalStateException("bug");
        };
        MetricSource smtp = out -> out.counter("carrier_smtp_messages_received_total", "Received", 12);
        servlet.addSource(queue);
        servlet.addSource(broken);
        servlet.addSource(smtp);
        assertEquals(Map.of("carrier_queue_messages{\"state\":\"deferred\"}", 7.0, "carrier_smtp_messages_received_total{}", 12.0),
                PrometheusParser.parse(servlet.scrape(), work).samples());

        servlet.removeSource(queue);
        assertEquals("", servlet.scrape().lines().filter(l -> l.startsWith("carrier_queue")).reduce("", String::concat),
                "a source that left takes its figures with it");
    }

    @Test
    void onlyClientsInTheAllowedNetworksMayRead() {
        MetricsServlet servlet = new MetricsServlet();
        servlet.configure(config("127.0.0.0/8, ::1/128"), Map.of());
        assertTrue(servlet.permitted("127.0.0.1"));
        assertTrue(servlet.permitted("0:0:0:0:0:0:0:1"));
        assertTrue(servlet.permitted("[::1]"));
        assertFalse(servlet.permitted("192.0.2.7"));
        assertFalse(servlet.permitted("localhost"), "never a name to resolve");

        servlet.configure(config("192.0.2.0/24"), Map.of());
        assertTrue(servlet.permitted("192.0.2.7"));
        servlet.configure(config("not a network"), Map.of());
        assertTrue(servlet.permitted("192.0.2.7"), "a broken setting keeps the networks in force");
        assertFalse(servlet.permitted("127.0.0.1"));
    }
}
