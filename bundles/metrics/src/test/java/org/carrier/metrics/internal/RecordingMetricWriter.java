package org.carrier.metrics.internal;

import java.util.Map;
import java.util.TreeMap;

import org.carrier.api.metrics.Histogram;
import org.carrier.api.metrics.MetricWriter;

/**
 * What a {@link org.carrier.api.metrics.MetricSource} writes, for the sources' unit tests: each sample under
 * {@code name{label=value,...}} (labels in the order given; a histogram as its {@code _count} and {@code _sum}).
 */
public final class RecordingMetricWriter implements MetricWriter {
    private final Map<String, Double> samples = new TreeMap<>();
    private final Map<String, String> types = new TreeMap<>();

    @Override
    public MetricWriter counter(String name, String help, double value, String... labels) {
        return record("counter", name, "", value, labels);
    }

    @Override
    public MetricWriter gauge(String name, String help, double value, String... labels) {
        return record("gauge", name, "", value, labels);
    }

    @Override
    public MetricWriter histogram(String name, String help, Histogram.Snapshot snapshot, String... labels) {
        record("histogram", name, "_count", snapshot.count(), labels);
        return record("histogram", name, "_sum", snapshot.sum(), labels);
    }

    private MetricWriter record(String type, String name, String suffix, double value, String... labels) {
        StringBuilder series = new StringBuilder(name).append(suffix).append('{');
        for (int i = 0; i + 1 < labels.length; i += 2) {
            series.append(i == 0 ? "" : ",").append(labels[i]).append('=').append(labels[i + 1]);
        }
        samples.put(series.append('}').toString(), value);
        types.put(name, type);
        return this;
    }

    /** Every sample, by series. */
    public Map<String, Double> samples() {
        return samples;
    }

    /** Each metric name's type: counter, gauge or histogram. */
    public Map<String, String> types() {
        return types;
    }
}
