package org.carrier.api.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one name told apart by label values, e.g. verdicts by filter and verdict. Thread-safe; an increment
 * costs a map lookup and a {@link LongAdder} add.
 */
public final class CounterFamily {

    private final String name;
    private final String help;
    private final String[] labelNames;
    private final Map<List<String>, LongAdder> counters = new ConcurrentHashMap<>();

    public CounterFamily(String name, String help, String... labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = labelNames.clone();
    }

    public void increment(String... labelValues) {
        add(1, labelValues);
    }

    public void add(long amount, String... labelValues) {
        counters.computeIfAbsent(key(labelValues), k -> new LongAdder()).add(amount);
    }

    /** The count for these label values; 0 if never counted. */
    public long value(String... labelValues) {
        LongAdder counter = counters.get(key(labelValues));
        return counter == null ? 0 : counter.sum();
    }

    public void writeTo(MetricWriter out) {
        counters.forEach((values, counter) -> out.counter(name, help, counter.sum(), labels(values)));
    }

    private List<String> key(String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException(name + " takes labels " + Arrays.toString(labelNames)
                    + ", got " + Arrays.toString(labelValues));
        }
        return List.of(labelValues);
    }

    private String[] labels(List<String> values) {
        String[] pairs = new String[labelNames.length * 2];
        for (int i = 0; i < labelNames.length; i++) {
            pairs[2 * i] = labelNames[i];
            pairs[2 * i + 1] = values.get(i);
        }
        return pairs;
    }
}
