package org.carrier.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.Histogram;
import org.carrier.testing.PrometheusParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exposition as Prometheus's own parser reads it. */
class PrometheusTextTest {
    @TempDir
    Path work;

    @Test
    void samplesOfOneNameFormOneFamilyWithHelpAndTypeOnce() throws Exception {
        PrometheusText text = new PrometheusText();
        text.counter("carrier_filter_verdicts_total", "Verdicts", 3, "filter", "spf", "verdict", "reject");
        text.gauge("carrier_smtp_sessions_open", "Open", 2);
        text.counter("carrier_filter_verdicts_total", "Verdicts", 5, "filter", "size", "verdict", "reject");
        String rendered = text.render();
        assertEquals(1, count(rendered, "# TYPE carrier_filter_verdicts_total counter"), rendered);
        assertEquals(1, count(rendered, "# HELP carrier_filter_verdicts_total "), rendered);
        assertTrue(rendered.indexOf("filter=\"size\"") < rendered.indexOf("carrier_smtp_sessions_open"),
                "a family's samples stay together: " + rendered);

        PrometheusParser parsed = PrometheusParser.parse(rendered, work);
        assertEquals(Map.of("carrier_filter_verdicts", "counter", "carrier_smtp_sessions_open", "gauge"), parsed.families());
        assertEquals(Map.of(
                "carrier_filter_verdicts_total{\"filter\":\"spf\",\"verdict\":\"reject\"}", 3.0,
                "carrier_filter_verdicts_total{\"filter\":\"size\",\"verdict\":\"reject\"}", 5.0,
                "carrier_smtp_sessions_open{}", 2.0), parsed.samples());
    }

    @Test
    void labelValuesAndHelpAreEscaped() throws Exception {
        PrometheusText text = new PrometheusText();
        text.counter("odd_total", "a \\ and a\nnew line", 1, "filter", "quote\" back\\slash\nline");
        PrometheusParser parsed = PrometheusParser.parse(text.render(), work);
        assertEquals(Map.of("odd_total{\"filter\":\"quote\\\" back\\\\slash\\nline\"}", 1.0), parsed.samples());
    }

    @Test
    void aHistogramHasCumulativeBucketsUpToInfinityASumAndACount() throws Exception {
        Histogram delays = new Histogram(0.5, 1, 10);
        for (double v : new double[] {0.2, 0.7, 0.9, 30}) {
            delays.observe(v);
        }
        PrometheusText text = new PrometheusText();
        text.histogram("carrier_delivery_delay_seconds", "Delays", delays.snapshot(), "transport", "smtp");
        PrometheusParser parsed = PrometheusParser.parse(text.render(), work);
        assertEquals("histogram", parsed.families().get("carrier_delivery_delay_seconds"));
        String labels = "{\"le\":\"%s\",\"transport\":\"smtp\"}";
        Map<String, Double> expected = Map.of(
                "carrier_delivery_delay_seconds_bucket" + labels.formatted("0.5"), 1.0,
                "carrier_delivery_delay_seconds_bucket" + labels.formatted("1"), 3.0,
                "carrier_delivery_delay_seconds_bucket" + labels.formatted("10"), 3.0,
                "carrier_delivery_delay_seconds_bucket" + labels.formatted("+Inf"), 4.0,
                "carrier_delivery_delay_seconds_sum{\"transport\":\"smtp\"}", 31.8,
                "carrier_delivery_delay_seconds_count{\"transport\":\"smtp\"}", 4.0);
        assertEquals(expected.keySet(), parsed.samples().keySet());
        expected.forEach((series, value) -> assertEquals(value, parsed.samples().get(series), 1e-9, series));
    }

    @Test
    void whatTheFormatCannotCarryIsLeftOutAndTheRestStays() throws Exception {
        PrometheusText text = new PrometheusText();
        text.counter("good_total", "fine", 1);
        text.gauge("good_total", "same name, other type", 2);
        text.counter("good_total", "fine", 9);
        text.counter("bad-name", "dash", 1);
        text.counter("odd_total", "unpaired", 1, "filter");
        text.counter("odd_total", "bad label name", 1, "fil-ter", "x");
        text.histogram("h", "le is the histogram's", new Histogram(1).snapshot(), "le", "x");
        PrometheusParser parsed = PrometheusParser.parse(text.render(), work);
        assertEquals(Map.of("good_total{}", 1.0), parsed.samples());
    }

    @Test
    void numbersAreWrittenAsTheFormatSpellsThem() {
        assertEquals(List.of("3", "0.25", "+Inf", "-Inf", "NaN", "1.0E20"), List.of(PrometheusText.number(3),
                PrometheusText.number(0.25), PrometheusText.number(Double.POSITIVE_INFINITY),
                PrometheusText.number(Double.NEGATIVE_INFINITY), PrometheusText.number(Double.NaN), PrometheusText.number(1e20)));
    }

    @Test
    void aCounterFamilyOfTheApiComesOutWhole() throws Exception {
        CounterFamily lookups = new CounterFamily("carrier_dns_lookups_total", "Lookups", "type");
        lookups.add(4, "MX");
        lookups.add(2, "A");
        PrometheusText text = new PrometheusText();
        lookups.writeTo(text);
        PrometheusParser parsed = PrometheusParser.parse(text.render(), work);
        assertEquals(Map.of("carrier_dns_lookups_total{\"type\":\"MX\"}", 4.0, "carrier_dns_lookups_total{\"type\":\"A\"}", 2.0),
                parsed.samples());
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }
}
