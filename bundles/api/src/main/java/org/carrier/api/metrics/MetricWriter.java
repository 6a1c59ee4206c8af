package org.carrier.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Receives metric samples from {@link MetricSource}s. Samples of one name may come from several sources and in any
 * order; the writer groups them. {@code labels} alternate name and value: {@code "filter", "spf", "verdict", "reject"}.
 */
@ProviderType
public interface MetricWriter {

    /** A count that only goes up (resets only when its bundle restarts). The name ends in {@code _total}. */
    MetricWriter counter(String name, String help, double value, String... labels);

    /** A value that goes up and down (sessions open, messages queued). */
    MetricWriter gauge(String name, String help, double value, String... labels);

    /** A distribution, such as delivery delays. */
    MetricWriter histogram(String name, String help, Histogram.Snapshot snapshot, String... labels);
}
