package org.carrier.filter.milter.internal;

import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.Histogram;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;

/**
 * One milter's figures, labelled with its name: the commands sent by stage, the milter's answers by kind, the
 * failures by kind (of which timeouts have their own counter), the default actions taken, and how long the milter
 * took to answer a command.
 */
final class MilterMetrics implements MetricSource {
    private static final double[] LATENCY_BOUNDS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final String milter;
    private final CounterFamily calls = new CounterFamily("carrier_milter_calls_total",
            "Commands sent to a milter, by stage (connect, helo, mail, rcpt, data, header, eoh, body, eom)", "milter", "stage");
    private final CounterFamily actions = new CounterFamily("carrier_milter_actions_total",
            "Replies and modifications from a milter, by kind (accept, reject, addheader, replbody, progress, ...)", "milter", "action");
    private final CounterFamily failures = new CounterFamily("carrier_milter_failures_total",
            "Transactions a milter could not judge, by problem (unreachable, timeout, bad_input)", "milter", "problem");
    private final CounterFamily timeouts = new CounterFamily("carrier_milter_timeouts_total",
            "Milter connections or replies that took longer than their timeout", "milter");
    private final CounterFamily defaults = new CounterFamily("carrier_milter_default_actions_total",
            "Times the milter's defaultAction was taken, by action", "milter", "action");
    private final Histogram latency = new Histogram(LATENCY_BOUNDS);

    MilterMetrics(String milter) {
        this.milter = milter;
    }

    String milter() {
        return milter;
    }

    void call(String stage) {
        calls.increment(milter, stage);
    }

    void action(String action) {
        actions.increment(milter, action);
    }

    void failure(MilterFailure.Kind kind, String defaultAction) {
        failures.increment(milter, kind.label);
        if (kind == MilterFailure.Kind.TIMEOUT) {
            timeouts.increment(milter);
        }
        defaults.increment(milter, defaultAction);
    }

    void latency(long nanos) {
        latency.observe(nanos / 1e9);
    }

    long calls(String stage) {
        return calls.value(milter, stage);
    }

    long actions(String action) {
        return actions.value(milter, action);
    }

    long failures(MilterFailure.Kind kind) {
        return failures.value(milter, kind.label);
    }

    @Override
    public void collect(MetricWriter out) {
        calls.writeTo(out);
        actions.writeTo(out);
        failures.writeTo(out);
        timeouts.writeTo(out);
        defaults.writeTo(out);
        out.histogram("carrier_milter_latency_seconds", "Time from a command to the milter's answer", latency.snapshot(), "milter", milter);
    }
}
