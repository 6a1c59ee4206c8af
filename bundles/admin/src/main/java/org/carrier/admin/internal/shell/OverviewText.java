package org.carrier.admin.internal.shell;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.carrier.admin.internal.overview.FilterInventory;
import org.carrier.admin.internal.overview.RouteReport;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;

/** The text of {@code carrier:route} and {@code carrier:filters}. */
final class OverviewText {
    private OverviewText() {
    }

    static String route(RouteReport report) {
        RouteDecision decision = report.decision();
        StringBuilder out = new StringBuilder("<").append(report.address()).append(">\n");
        String configured = report.routeTransport() == null ? "" : " (transport " + report.routeTransport() + ")";
        field(out, "route", decision.routeName() + configured);
        field(out, "destination", decision.destination().name().toLowerCase(Locale.ROOT));
        if (decision.destination() == Destination.REFUSED) {
            field(out, "refused", decision.refusal().toString());
        } else {
            field(out, "delivered by", decision.transport());
        }
        if (report.isMxRoute()) {
            field(out, "MX records", report.mxRecords().isEmpty() ? "none" : report.mxRecords().stream()
                    .map(OverviewText::mx).collect(Collectors.joining(", ")));
            if (report.mxProblem() != null) {
                field(out, "", report.mxProblem());
            }
        }
        List<NextHop> hops = decision.nextHops();
        for (int i = 0; i < hops.size(); i++) {
            field(out, i == 0 ? "next hops" : "", hop(hops.get(i), report.hopProblems().get(hops.get(i))));
        }
        if (decision.destination() == Destination.REMOTE) {
            field(out, "options", decision.options().toString());
        }
        List<String> tls = report.tlsLines(Instant.now());
        for (int i = 0; i < tls.size(); i++) {
            field(out, i == 0 ? "TLS policy" : "", tls.get(i));
        }
        return out.toString().stripTrailing();
    }

    static String filters(FilterInventory inventory) {
        if (inventory.filters().isEmpty()) {
            return "No SMTP filters deployed (drop a filter bundle into deploy/)";
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-3s %-8s %-16s %-40s %s%n",
                "#", "RANKING", "NAME", "BUNDLE", "VERDICTS"));
        int position = 1;
        for (FilterInventory.Filter filter : inventory.filters()) {
            String verdicts = filter.verdicts().isEmpty() ? "-" : filter.verdicts().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
            out.append(String.format(Locale.ROOT, "%-3d %-8d %-16s %-40s %s%n", position++, filter.ranking(), filter.name(),
                    filter.bundle() + " " + filter.bundleVersion(), verdicts));
            if (filter.pid() != null) {
                out.append(String.format(Locale.ROOT, "%-3s %-8s %-16s configuration %s%n", "", "", "", filter.pid()));
            }
        }
        return out.toString().stripTrailing();
    }

    private static void field(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "  %-13s %s%n", label.isEmpty() ? "" : label + ":", value));
    }

    private static String mx(MxRecord record) {
        return record.preference() + " " + (record.isNullMx() ? ". (null MX: no mail accepted, RFC 7505)" : record.host());
    }

    private static String hop(NextHop hop, String problem) {
        if (problem != null) {
            return hop + " (no address: " + problem + ")";
        }
        if (hop.addresses().isEmpty()) {
            return hop + (hop.host().startsWith("/") ? " (Unix socket)" : " (addresses resolved at delivery)");
        }
        return hop + " " + hop.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", ", "[", "]"));
    }
}
