package org.carrier.api.metrics;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A part's figures, registered as a service. {@link #collect} is called at every scrape, from any thread, so it
 * reads live values (counters kept in {@link java.util.concurrent.atomic.LongAdder}s, {@link CounterFamily},
 * {@link Histogram}) and never blocks on I/O.
 */
@ConsumerType
public interface MetricSource {

    /** Writes the current value of each of this source's metrics. */
    void collect(MetricWriter out);
}
