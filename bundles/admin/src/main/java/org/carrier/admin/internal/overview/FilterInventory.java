package org.carrier.admin.internal.overview;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.metrics.Histogram;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP filters deployed, in the order the SMTP server runs them (highest service ranking first, then the older
 * service, as OSGi orders services), each with the counts of its verdicts from the {@code MetricSource} services
 * (metric {@value #VERDICTS}, labels {@code filter} and {@code verdict}).
 *
 * @param filters the filters in chain order
 */
public record FilterInventory(List<Filter> filters) {
    /** The counter of filter verdicts the SMTP server keeps (see the package-info of org.carrier.api.metrics). */
    public static final String VERDICTS = "carrier_filter_verdicts_total";
    private static final Logger LOG = LoggerFactory.getLogger(FilterInventory.class);

    public FilterInventory {
        filters = List.copyOf(filters);
    }

    /**
     * One deployed filter.
     *
     * @param name          its {@code carrier.filter.name} property, the name its verdicts are counted under (else its
     *                      component name, else "service ID")
     * @param pid           the configuration PID ({@code service.pid}, else the component's configuration PID), or {@code null}
     * @param ranking       its service ranking
     * @param serviceId     its service ID
     * @param bundle        the symbolic name of the bundle that registered it
     * @param bundleVersion that bundle's version
     * @param verdicts      verdict (lower-case {@code FilterAction} name) to count, in verdict name order; empty when
     *                      nothing counted yet
     */
    public record Filter(String name, String pid, int ranking, long serviceId, String bundle, String bundleVersion,
                         Map<String, Long> verdicts) {
        public Filter {
            verdicts = Collections.unmodifiableMap(new TreeMap<>(verdicts));
        }

        /** All verdicts counted for this filter. */
        public long total() {
            return verdicts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What the service registry tells about one filter service, before its counts are added. */
    public record Registration(String name, String pid, int ranking, long serviceId, String bundle, String bundleVersion) {
    }

    /**
     * The filters registered in the framework of {@code context}, with the counts of {@code sources}; {@code components}
     * (SCR's runtime, null when absent) names the configuration PID of a filter that has no configuration yet.
     */
    public static FilterInventory of(BundleContext context, Collection<MetricSource> sources, ServiceComponentRuntime components) {
        try {
            Collection<ServiceReference<SmtpFilter>> references = context.getServiceReferences(SmtpFilter.class, null);
            return of(references.stream().map(r -> registration(r, components)).toList(), sources);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // no filter expression given
        }
    }

    /** Orders {@code registrations} as the chain runs them and adds each one's verdict counts from {@code sources}. */
    public static FilterInventory of(List<Registration> registrations, Collection<MetricSource> sources) {
        Map<String, Map<String, Long>> counts = verdictCounts(sources);
        List<Filter> filters = new ArrayList<>();
        registrations.stream()
                .sorted(Comparator.comparingInt(Registration::ranking).reversed().thenComparingLong(Registration::serviceId))
                .forEach(r -> filters.add(new Filter(r.name(), r.pid(), r.ranking(), r.serviceId(), r.bundle(), r.bundleVersion(),
                        counts.getOrDefault(r.name(), Map.of()))));
        return new FilterInventory(filters);
    }

    static Registration registration(ServiceReference<?> reference, ServiceComponentRuntime components) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        Object componentName = reference.getProperty("component.name");
        Object name = reference.getProperty(SmtpFilter.NAME);
        Object pid = reference.getProperty(Constants.SERVICE_PID);
        Bundle bundle = reference.getBundle();
        return new Registration(
                name != null ? name.toString() : componentName != null ? componentName.toString() : "service " + id,
                pid != null ? pid.toString() : configurationPid(components, bundle, componentName),
                ranking instanceof Integer r ? r : 0,
                id,
                bundle == null ? "(unregistered)" : bundle.getSymbolicName(),
                bundle == null ? "" : bundle.getVersion().toString());
    }

    /**
     * The PID a filter without a configuration yet is configured under: a DS component registers its service without
     * {@code service.pid} until a configuration exists, and its configuration PID (the one its Metatype form and a
     * {@code .cfg} file use) is the one its component description declares, which need not be its name (DS 112.4.4).
     */
    private static String configurationPid(ServiceComponentRuntime components, Bundle bundle, Object componentName) {
        if (componentName == null) {
            return null;
        }
        if (components != null && bundle != null) {
            ComponentDescriptionDTO description = components.getComponentDescriptionDTO(bundle, componentName.toString());
            if (description != null && description.configurationPid != null && description.configurationPid.length > 0) {
                return description.configurationPid[0];
            }
        }
        return componentName.toString(); // DS: the configuration PID defaults to the component name
    }

    /** filter name to verdict to count, summed over every source that reports the counter. */
    static Map<String, Map<String, Long>> verdictCounts(Collection<MetricSource> sources) {
        Map<String, Map<String, Long>> counts = new HashMap<>();
        MetricWriter collector = new MetricWriter() {
            @Override
            public MetricWriter counter(String name, String help, double value, String... labels) {
                if (VERDICTS.equals(name)) {
                    String filter = label(labels, "filter");
                    String verdict = label(labels, "verdict");
                    if (filter != null && verdict != null) {
                        counts.computeIfAbsent(filter, f -> new TreeMap<>()).merge(verdict, (long) value, Long::sum);
                    }
                }
                return this;
            }

            @Override
            public MetricWriter gauge(String name, String help, double value, String... labels) {
                return this;
            }

            @Override
            public MetricWriter histogram(String name, String help, Histogram.Snapshot snapshot, String... labels) {
                return this;
            }
        };
        for (MetricSource source : sources) {
            try {
                source.collect(collector);
            } catch (RuntimeException e) {
                // a broken source must not hide the others' figures (or the filter list) from the administrator
                LOG.warn("metric source {} failed: {}", source.getClass().getName(), e.toString());
            }
        }
        return counts;
    }

    private static String label(String[] labels, String wanted) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            if (labels[i].equals(wanted)) {
                return labels[i + 1];
            }
        }
        return null;
    }
}
