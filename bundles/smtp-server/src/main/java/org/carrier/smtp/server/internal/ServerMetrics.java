package org.carrier.smtp.server.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

import org.carrier.api.filter.FilterAction;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.MetricWriter;

/**
 * The SMTP server's figures: sessions open, messages accepted into the queue and every filter's verdicts. One set
 * for the bundle ({@link #BUNDLE}), which every listener adds to and {@link SmtpMetricSource} publishes; tests make
 * their own. Each count is a {@link LongAdder} add, cheap enough for every command.
 */
final class ServerMetrics {
    static final ServerMetrics BUNDLE = new ServerMetrics();

    /** {@code FilterAction} names in lower case, as the verdict label shows them, made once rather than per count. */
    private static final String[] VERDICTS = Arrays.stream(FilterAction.values())
            .map(a -> a.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

    private final LongAdder sessionsOpen = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final CounterFamily verdicts = new CounterFamily("carrier_filter_verdicts_total",
            "Verdicts of each SMTP filter (a filter that fails or runs out of time counts as tempfail)", "filter", "verdict");

    void sessionOpened() {
        sessionsOpen.increment();
    }

    void sessionClosed() {
        sessionsOpen.decrement();
    }

    /** A message was committed to the queue and acknowledged with 250. */
    void received() {
        received.increment();
    }

    void verdict(String filter, FilterAction action) {
        verdicts.increment(filter, VERDICTS[action.ordinal()]);
    }

    long sessionsOpen() {
        return sessionsOpen.sum();
    }

    long receivedCount() {
        return received.sum();
    }

    long verdicts(String filter, FilterAction action) {
        return verdicts.value(filter, VERDICTS[action.ordinal()]);
    }

    void writeTo(MetricWriter out) {
        out.counter("carrier_smtp_messages_received_total", "Messages accepted (queued and answered 250)", received.sum());
        out.gauge("carrier_smtp_sessions_open", "SMTP sessions open now, on every listener", sessionsOpen.sum());
        verdicts.writeTo(out);
    }
}
