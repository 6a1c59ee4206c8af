package org.carrier.admin.internal.overview;

import static org.carrier.admin.internal.Proxies.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.MetricSource;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

class FilterInventoryTest {

    private static FilterInventory.Registration filter(String name, int ranking, long serviceId) {
        return new FilterInventory.Registration(name, "org.carrier.filter." + name, ranking, serviceId,
                "org.carrier.filter." + name, "0.1.0");
    }

    @Test
    void filtersComeInChainOrderWithTheirVerdictCounts() {
        CounterFamily verdicts = new CounterFamily(FilterInventory.VERDICTS, "verdicts", "filter", "verdict");
        verdicts.add(3, "spf", "proceed");
        verdicts.add(2, "spf", "reject");
        verdicts.increment("size", "reject");
        CounterFamily unrelated = new CounterFamily("carrier_messages_received_total", "received", "filter", "verdict");
        unrelated.add(99, "spf", "reject");
        // two sources (two listeners, say) counting the same filter are added up
        CounterFamily otherListener = new CounterFamily(FilterInventory.VERDICTS, "verdicts", "filter", "verdict");
        otherListener.add(5, "spf", "reject");
        List<MetricSource> sources = List.of(verdicts::writeTo, unrelated::writeTo, otherListener::writeTo,
                out -> {
                    throw new IllegalStateException("a broken source");
                });

        FilterInventory inventory = FilterInventory.of(List.of(
                filter("spf", 500, 12), filter("greylist", 500, 9), filter("size", 1000, 30)), sources);

        // highest ranking first; equal ranking: the older service (lower ID) first, as OSGi orders them
        assertEquals(List.of("size", "greylist", "spf"), inventory.filters().stream().map(FilterInventory.Filter::name).toList());
        FilterInventory.Filter spf = inventory.filters().get(2);
        assertEquals(Map.of("proceed", 3L, "reject", 7L), spf.verdicts());
        assertEquals(10, spf.total());
        assertEquals(List.of("proceed", "reject"), List.copyOf(spf.verdicts().keySet()));
        assertEquals(Map.of("reject", 1L), inventory.filters().get(0).verdicts());
        assertEquals(Map.of(), inventory.filters().get(1).verdicts());
        assertEquals("org.carrier.filter.greylist", inventory.filters().get(1).pid());
    }

    @Test
    void aFilterWithoutConfigurationShowsItsComponentsConfigurationPidNotItsClassName() {
        Bundle bundle = proxy(Bundle.class, (name, args) -> switch (name) {
            case "getSymbolicName" -> "org.carrier.filter.size";
            case "getVersion" -> new Version(0, 1, 0);
            default -> throw new UnsupportedOperationException(name);
        });
        // as SCR registers a component's service before any configuration exists: no service.pid
        Map<String, Object> properties = Map.of(Constants.SERVICE_ID, 31L, "component.name", "org.carrier.filter.size.internal.SizeFilter",
                SmtpFilter.NAME, "size", Constants.SERVICE_RANKING, 1000);
        ServiceReference<?> reference = proxy(ServiceReference.class, (name, args) -> switch (name) {
            case "getProperty" -> properties.get((String) args[0]);
            case "getBundle" -> bundle;
            default -> throw new UnsupportedOperationException(name);
        });
        ComponentDescriptionDTO description = new ComponentDescriptionDTO();
        description.name = "org.carrier.filter.size.internal.SizeFilter";
        description.configurationPid = new String[] {"org.carrier.filter.size"};
        ServiceComponentRuntime scr = proxy(ServiceComponentRuntime.class, (name, args) -> switch (name) {
            case "getComponentDescriptionDTO" -> args[0] == bundle && description.name.equals(args[1]) ? description : null;
            default -> throw new UnsupportedOperationException(name);
        });

        assertEquals("org.carrier.filter.size", FilterInventory.registration(reference, scr).pid());
        assertEquals("org.carrier.filter.size.internal.SizeFilter", FilterInventory.registration(reference, null).pid(),
                "without SCR's runtime: the component name, DS's default configuration PID");
    }
}
