package org.carrier.smtp.server.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.carrier.api.filter.FilterAction;
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

    private static final String VERDICTS_HELP =
            "Verdicts of each SMTP filter (a filter that fails or runs out of time counts as tempfail)";

    private final LongAdder sessionsOpen = new LongAdder();
    private final LongAdder received = new LongAdder();
    /** Per filter name, one counter per {@link FilterAction}: a verdict costs a map lookup and an add, no allocation. */
    private final Map<String, LongAdder[]> verdicts = new ConcurrentHashMap<>();

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

    /** A filter in a chain: its verdicts are shown from now on, at 0 until it gives one (the size filter rarely does). */
    void known(String filter) {
        verdicts.computeIfAbsent(filter, f -> newCounters());
    }

    void verdict(String filter, FilterAction action) {
        verdicts.computeIfAbsent(filter, f -> newCounters())[action.ordinal()].increment();
    }

    private static LongAdder[] newCounters() {
        LongAdder[] counters = new LongAdder[VERDICTS.length];
        Arrays.setAll(counters, i -> new LongAdder());
        return counters;
    }

    long sessionsOpen() {
        return sessionsOpen.sum();
    }

    long receivedCount() {
        return received.sum();
    }

    long verdicts(String filter, FilterAction action) {
        LongAdder[] counters = verdicts.get(filter);
        return counters == null ? 0 : counters[action.ordinal()].sum();
    }

    void writeTo(MetricWriter out) {
        out.counter("carrier_smtp_messages_received_total", "Messages accepted (queued and answered 250)", received.sum());
        out.gauge("carrier_smtp_sessions_open", "SMTP sessions open now, on every listener", sessionsOpen.sum());
        verdicts.forEach((filter, counters) -> {
            for (int i = 0; i < counters.length; i++) {
                out.counter("carrier_filter_verdicts_total", VERDICTS_HELP, counters[i].sum(), "filter", filter, "verdict", VERDICTS[i]);
            }
        });
    }
}
