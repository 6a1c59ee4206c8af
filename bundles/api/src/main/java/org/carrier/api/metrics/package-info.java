/**
 * Figures for operators: every part that counts something registers a {@link org.carrier.api.metrics.MetricSource}
 * service (whiteboard), and whoever shows figures (the Prometheus endpoint, the web console's pages) asks every
 * source at the moment it needs them. A bundle that goes away takes its figures with it.
 *
 * <p>Names follow Prometheus conventions with the prefix {@code carrier_}; counters end in {@code _total}, durations
 * are in seconds. Names other parts rely on:
 * <ul>
 * <li>{@code carrier_filter_verdicts_total{filter="spf",verdict="reject"}}: the verdicts of each filter (verdict is
 * the lower-case {@link org.carrier.api.filter.FilterAction} name), counted by the SMTP server;</li>
 * <li>{@code carrier_queue_messages{state="..."}}: the messages in the queue by state.</li>
 * </ul>
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.metrics;
