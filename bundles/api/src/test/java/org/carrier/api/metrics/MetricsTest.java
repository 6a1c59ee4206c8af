package org.carrier.api.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void counterFamilyCountsPerLabelValuesAndWritesLabelPairs() {
        CounterFamily verdicts = new CounterFamily("carrier_filter_verdicts_total", "verdicts", "filter", "verdict");
        verdicts.increment("spf", "reject");
        verdicts.increment("spf", "reject");
        verdicts.add(5, "size", "continue");
        assertEquals(2, verdicts.value("spf", "reject"));
        assertEquals(0, verdicts.value("spf", "accept"));

        List<String> written = new ArrayList<>();
        verdicts.writeTo(new MetricWriter() {
            @Override
            public MetricWriter counter(String name, String help, double value, String... labels) {
                written.add(name + String.join(",", labels) + "=" + (long) value);
                return this;
            }

            @Override
            public MetricWriter gauge(String name, String help, double value, String... labels) {
                throw new AssertionError("not a gauge");
            }

            @Override
            public MetricWriter histogram(String name, String help, Histogram.Snapshot s, String... labels) {
                throw new AssertionError("not a histogram");
            }
        });
        written.sort(null);
        assertEquals(List.of("carrier_filter_verdicts_totalfilter,size,verdict,continue=5",
                "carrier_filter_verdicts_totalfilter,spf,verdict,reject=2"), written);
    }

    @Test
    void counterFamilyRefusesTheWrongNumberOfLabels() {
        CounterFamily family = new CounterFamily("x_total", "x", "a");
        assertThrows(IllegalArgumentException.class, () -> family.increment("1", "2"));
    }

    @Test
    void histogramBucketsAreCumulativeWithBoundsInclusive() {
        Histogram delays = new Histogram(1, 10, 60);
        for (double v : new double[] {0.5, 1, 3, 60, 61, 3600}) {
            delays.observe(v);
        }
        Histogram.Snapshot s = delays.snapshot();
        assertArrayEquals(new long[] {2, 3, 4}, s.cumulativeCounts());
        assertEquals(6, s.count());
        assertEquals(3725.5, s.sum(), 1e-9);
    }

    @Test
    void histogramBoundsMustIncrease() {
        assertThrows(IllegalArgumentException.class, () -> new Histogram(5, 5));
    }
}
