package org.carrier.delivery.smtp.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.carrier.api.outbound.OutboundFilter;
import org.osgi.framework.Constants;

/**
 * The {@link OutboundFilter} services the SMTP transport holds (a dynamic whiteboard reference), kept as one ordered
 * snapshot: highest service ranking first, and for equal rankings the older service (lower service ID) first, the
 * order the OSGi core specification gives to service references (§5.2.5). A transaction takes the snapshot once,
 * so a filter that arrives or leaves meanwhile changes only later transactions.
 */
final class OutboundFilters {
    private static final Comparator<Entry> ORDER = Comparator.comparingInt(Entry::ranking).reversed()
            .thenComparingLong(Entry::serviceId);

    private record Entry(OutboundFilter filter, String name, int ranking, long serviceId) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private volatile OutboundStage stage = OutboundStage.NONE;

    /** The filters in force, in order; {@link OutboundStage#NONE} while there is none. */
    OutboundStage stage() {
        return stage;
    }

    synchronized void add(OutboundFilter filter, Map<String, ?> properties) {
        entries.removeIf(e -> e.filter() == filter);
        entries.add(new Entry(filter, name(filter, properties), ranking(properties), serviceId(properties)));
        entries.sort(ORDER);
        publish();
    }

    synchronized void remove(OutboundFilter filter) {
        entries.removeIf(e -> e.filter() == filter);
        publish();
    }

    private void publish() {
        stage = entries.isEmpty() ? OutboundStage.NONE
                : new OutboundStage(entries.stream().map(e -> new OutboundStage.Named(e.name(), e.filter())).toList());
    }

    private static String name(OutboundFilter filter, Map<String, ?> properties) {
        Object name = properties.get(OutboundFilter.NAME);
        return name instanceof String s && !s.isBlank() ? s : filter.getClass().getName();
    }

    /** OSGi core §5.2.5: service.ranking is an Integer; anything else counts as 0. */
    private static int ranking(Map<String, ?> properties) {
        return properties.get(Constants.SERVICE_RANKING) instanceof Integer ranking ? ranking : 0;
    }

    private static long serviceId(Map<String, ?> properties) {
        return properties.get(Constants.SERVICE_ID) instanceof Long id ? id : Long.MAX_VALUE;
    }
}
