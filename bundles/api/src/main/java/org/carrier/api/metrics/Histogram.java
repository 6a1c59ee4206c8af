package org.carrier.api.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A distribution over fixed bucket upper bounds (Prometheus histogram semantics: {@code le}, cumulative). Thread-safe. */
public final class Histogram {

    private final double[] upperBounds;
    private final LongAdder[] bucketCounts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    /** @param upperBounds increasing finite bounds; the +Inf bucket is implied */
    public Histogram(double... upperBounds) {
        for (int i = 1; i < upperBounds.length; i++) {
            if (!(upperBounds[i] > upperBounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + Arrays.toString(upperBounds));
            }
        }
        this.upperBounds = upperBounds.clone();
        this.bucketCounts = new LongAdder[upperBounds.length];
        Arrays.setAll(bucketCounts, i -> new LongAdder());
    }

    public void observe(double value) {
        int bucket = Arrays.binarySearch(upperBounds, value);
        if (bucket < 0) {
            bucket = -bucket - 1;
        }
        if (bucket < upperBounds.length) {
            bucketCounts[bucket].increment();
        }
        count.increment();
        sum.add(value);
    }

    public Snapshot snapshot() {
        long[] cumulative = new long[upperBounds.length];
        long running = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            running += bucketCounts[i].sum();
            cumulative[i] = running;
        }
        long total = Math.max(count.sum(), running);
        return new Snapshot(upperBounds.clone(), cumulative, total, sum.sum());
    }

    /**
     * @param cumulativeCounts observations at or below each bound, in bound order
     * @param count all observations (the +Inf bucket)
     */
    public record Snapshot(double[] upperBounds, long[] cumulativeCounts, long count, double sum) {
    }
}
