package org.carrier.metrics.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.carrier.api.metrics.Histogram;
import org.carrier.api.metrics.MetricWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the samples of one scrape and writes them in the Prometheus text exposition format 0.0.4: samples grouped by
 * metric name, each family once with its {@code # HELP} and {@code # TYPE}, label values escaped, histograms as
 * cumulative {@code _bucket{le=...}} lines ending at {@code +Inf}, then {@code _sum} and {@code _count}. A sample the
 * format cannot carry (a bad name, a label without value, a family of another type, a series given twice) is left out
 * with a log line naming it, so one faulty source cannot spoil the whole scrape.
 */
final class PrometheusText implements MetricWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusText.class);
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        final String text = name().toLowerCase(Locale.ROOT);
    }

    /** One metric name: its type, help and series (by their label text, which keeps them unique). */
    private record Family(Type type, String help, Map<String, List<String>> series) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    @Override
    public MetricWriter counter(String name, String help, double value, String... labels) {
        add(name, Type.COUNTER, help, labels, labelText -> List.of(name + labelText + " " + number(value)));
        return this;
    }

    @Override
    public MetricWriter gauge(String name, String help, double value, String... labels) {
        add(name, Type.GAUGE, help, labels, labelText -> List.of(name + labelText + " " + number(value)));
        return this;
    }

    @Override
    public MetricWriter histogram(String name, String help, Histogram.Snapshot snapshot, String... labels) {
        add(name, Type.HISTOGRAM, help, labels, labelText -> histogramLines(name, labels, snapshot));
        return this;
    }

    private interface Lines {
        List<String> of(String labelText);
    }

    private void add(String name, Type type, String help, String[] labels, Lines lines) {
        // a histogram's labels must also take "le" after them: checked with it
        if (labelText(name, labels, type == Type.HISTOGRAM ? "+Inf" : null) == null) {
            return;
        }
        String labelText = labelText(name, labels, null);
        if (!METRIC_NAME.matcher(name).matches()) {
            LOG.warn("metrics: left out {}: not a Prometheus metric name", name);
            return;
        }
        Family family = families.computeIfAbsent(name, n -> new Family(type, help == null ? "" : help, new LinkedHashMap<>()));
        if (family.type() != type) {
            LOG.warn("metrics: left out a {} {}{}: the name is a {}", type.text, name, labelText, family.type().text);
        } else if (family.series().putIfAbsent(labelText, lines.of(labelText)) != null) {
            LOG.warn("metrics: left out {}{}: given twice", name, labelText);
        }
    }

    private static List<String> histogramLines(String name, String[] labels, Histogram.Snapshot snapshot) {
        List<String> lines = new ArrayList<>();
        double[] bounds = snapshot.upperBounds();
        for (int i = 0; i < bounds.length; i++) {
            lines.add(name + "_bucket" + labelText(name, labels, number(bounds[i])) + " " + snapshot.cumulativeCounts()[i]);
        }
        String own = labelText(name, labels, null);
        lines.add(name + "_bucket" + labelText(name, labels, "+Inf") + " " + snapshot.count());
        lines.add(name + "_sum" + own + " " + number(snapshot.sum()));
        lines.add(name + "_count" + own + " " + snapshot.count());
        return lines;
    }

    /** {@code {a="x",b="y"}} (with {@code le} last if given), "" without labels, null if the labels are malformed. */
    private static String labelText(String name, String[] labels, String le) {
        if (labels.length % 2 != 0) {
            LOG.warn("metrics: left out {}: labels come in name, value pairs", name);
            return null;
        }
        if (labels.length == 0 && le == null) {
            return "";
        }
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < labels.length; i += 2) {
            if (labels[i] == null || !LABEL_NAME.matcher(labels[i]).matches() || labels[i].startsWith("__")
                    || labels[i].equals("le") && le != null) {
                LOG.warn("metrics: left out {}: {} is not a label name it may use", name, labels[i]);
                return null;
            }
            text.append(labels[i]).append("=\"").append(escapeLabelValue(labels[i + 1])).append("\",");
        }
        if (le != null) {
            text.append("le=\"").append(le).append("\",");
        }
        text.setCharAt(text.length() - 1, '}');
        return text.toString();
    }

    /** The format's escapes in a label value: backslash, double quote and line feed. */
    static String escapeLabelValue(String value) {
        if (value == null) {
            return "";
        }
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** The format's escapes in help text: backslash and line feed. */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** Whole numbers without a fraction (counts read better), others as Java writes doubles; the infinities and NaN by name. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    /** The exposition: every family, in the order their names first came, each series in the order it came. */
    String render() {
        StringBuilder out = new StringBuilder();
        families.forEach((name, family) -> {
            out.append("# HELP ").append(name).append(' ').append(escapeHelp(family.help())).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(family.type().text).append('\n');
            family.series().values().forEach(lines -> lines.forEach(line -> out.append(line).append('\n')));
        });
        return out.toString();
    }
}
