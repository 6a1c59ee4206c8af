package org.carrier.admin.internal.console;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.carrier.admin.internal.overview.FilterInventory;
import org.carrier.api.metrics.MetricSource;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The Filters page: the SMTP filters deployed, in the order the SMTP server runs them, each with a link to its
 * configuration in the console's Configuration page and the counts of its verdicts. Read only.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + FiltersPage.LABEL,
        "felix.webconsole.title=Filters",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class FiltersPage extends ConsolePage {
    static final String LABEL = "carrier-filters";
    private static final long serialVersionUID = 1L;

    private final transient BundleContext context;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final transient List<MetricSource> metrics = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime components;

    @Activate
    public FiltersPage(BundleContext context) {
        super(LABEL);
        this.context = context;
    }

    @Override
    Outcome act(HttpServletRequest request) {
        return Outcome.refused("the Filters page changes nothing: configure a filter in its configuration page");
    }

    @Override
    void renderPage(HttpServletRequest request, PrintWriter out) {
        FilterInventory inventory = FilterInventory.of(context, metrics, components);
        String configMgr = request.getAttribute("felix.webconsole.appRoot") + "/configMgr/";
        out.println("<h2>Filters</h2>");
        out.println("<p>The SMTP filters deployed, in the order each SMTP transaction runs them (highest service ranking"
                + " first). A filter is deployed by dropping its bundle into <code>deploy/</code> (more in <code>extras/</code>)"
                + " and removed by deleting it there.</p>");
        out.println("<table class='tablelayout carrier-table' id='filters'><thead><tr><th>#</th><th>Filter</th><th>Ranking</th>"
                + "<th>Bundle</th><th>Configuration</th><th>Verdicts</th></tr></thead><tbody>");
        if (inventory.filters().isEmpty()) {
            out.println("<tr><td colspan='6'>No filters deployed: every message is accepted as the listener's limits allow.</td></tr>");
        }
        int position = 1;
        for (FilterInventory.Filter f : inventory.filters()) {
            out.println("<tr data-filter='" + Html.attr(f.name()) + "'><td>" + position++ + "</td><td class='filter-name'>" + Html.text(f.name())
                    + "</td><td>" + f.ranking() + "</td><td>" + Html.text(f.bundle() + " " + f.bundleVersion()) + "</td><td>"
                    + configurationLink(configMgr, f.pid())
                    + "</td><td class='filter-verdicts'>" + verdicts(f) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private static String configurationLink(String configMgr, String pid) {
        return pid == null ? "none" : "<a href='" + Html.attr(configMgr + Html.query(pid)) + "'>" + Html.text(pid) + "</a>";
    }

    private static String verdicts(FilterInventory.Filter f) {
        if (f.verdicts().isEmpty()) {
            return "none counted yet";
        }
        StringBuilder sb = new StringBuilder();
        f.verdicts().forEach((verdict, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(Html.text(verdict)).append(": ").append(n));
        return sb.append(" (total ").append(f.total()).append(')').toString();
    }
}
