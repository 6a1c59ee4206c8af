package org.carrier.admin.internal.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.carrier.admin.internal.overview.RouteConfigurations;
import org.carrier.admin.internal.overview.RouteInspector;
import org.carrier.admin.internal.overview.RouteReport;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteSpec;
import org.carrier.api.route.Router;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * The Routes page: the route table with add, edit, remove and reorder, stored as the factory configurations the
 * router reads and written to {@code config/} (see {@link RouteStore}); and "where would this address go?".
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + RoutesPage.LABEL,
        "felix.webconsole.title=Routes",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class RoutesPage extends ConsolePage {
    static final String LABEL = "carrier-routes";
    private static final long serialVersionUID = 1L;
    private static final String DRAFT = RoutesPage.class.getName() + ".draft";
    private static final Duration DNS_WAIT = Duration.ofSeconds(10);
    private static final List<String> TRANSPORTS = List.of("mx", "smtp", "lmtp", "local", "discard", "reject", "hold");

    private final transient RouteStore store;
    private final transient RouteConfigurations configurations;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Router router;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DnsResolver dns;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile OutboundTlsPolicies tlsPolicies;

    @Activate
    public RoutesPage(@Reference ConfigurationAdmin configAdmin) {
        super(LABEL);
        this.store = new RouteStore(configAdmin);
        this.configurations = new RouteConfigurations(configAdmin);
    }

    /** A refused form, kept for the page to show again with what was typed and what is wrong. */
    private record Draft(String pid, Map<String, String> fields, Map<String, String> problems) {
    }

    @Override
    Outcome act(HttpServletRequest request) throws IOException {
        String action = field(request, "action");
        String pid = field(request, "pid");
        return switch (action) {
            case "save" -> save(request, pid);
            case "delete" -> Outcome.done("route " + store.delete(pid) + " removed");
            case "up", "down" -> store.move(pid, action.equals("up") ? -1 : 1)
                    ? Outcome.done("route " + nameOf(pid) + " moved " + action)
                    : Outcome.refused("route " + nameOf(pid) + " is already at the " + (action.equals("up") ? "top" : "bottom"));
            default -> Outcome.refused("unknown action: " + action);
        };
    }

    private Outcome save(HttpServletRequest request, String pid) throws IOException {
        try {
            if (pid.isEmpty()) {
                RouteForm form = RouteForm.parse(request::getParameter);
                store.add(form);
                return Outcome.done("route " + form.name() + " added");
            }
            store.update(pid, request::getParameter);
            return Outcome.done("route " + nameOf(pid) + " saved");
        } catch (RouteForm.Invalid e) {
            Map<String, String> typed = RouteForm.FIELDS.stream()
                    .collect(Collectors.toMap(n -> n, n -> field(request, n)));
            request.getSession(true).setAttribute(DRAFT, new Draft(pid, typed, e.problems()));
            return Outcome.refused(e.getMessage());
        }
    }

    private String nameOf(String pid) throws IOException {
        return store.find(pid).map(RouteStore.Row::name).orElse(pid);
    }

    @Override
    String afterAction(HttpServletRequest request, Outcome outcome) {
        String pid = field(request, "pid");
        return !outcome.ok() && "save".equals(field(request, "action")) && !pid.isEmpty() ? "?edit=" + Html.query(pid) + "#route-form" : "";
    }

    @Override
    void renderPage(HttpServletRequest request, PrintWriter out) throws IOException {
        List<RouteStore.Row> rows = store.list();
        out.println("<h2>Routes</h2>");
        out.println("<p>Mail for a domain that is not ours follows the most specific matching route (exact domain, then the"
                + " longest <code>*.</code> suffix, then <code>*</code>); among equally specific ones the lowest order wins."
                + " Changes apply to the next delivery attempt and are written to <code>config/org.carrier.route-NAME.cfg</code>.</p>");
        routeTable(request, out, rows);
        routeForm(request, out, rows);
        addressBox(request, out);
    }

    private void routeTable(HttpServletRequest request, PrintWriter out, List<RouteStore.Row> rows) {
        out.println("<table class='tablelayout carrier-table' id='routes'><thead><tr><th>Order</th><th>Name</th><th>Domains</th>"
                + "<th>Transport</th><th>Next hops</th><th>File</th><th></th></tr></thead><tbody>");
        if (rows.isEmpty()) {
            out.println("<tr><td colspan='7'>No routes: mail for other domains is refused at RCPT (550 5.4.4).</td></tr>");
        }
        for (RouteStore.Row r : rows) {
            out.println("<tr data-route='" + Html.attr(r.name()) + "'><td>" + r.order() + "</td><td class='route-name'>" + Html.text(r.name())
                    + "</td><td class='route-domains'>" + Html.text(r.domains()) + "</td><td class='route-transport'>" + Html.text(r.transport())
                    + "</td><td class='route-hops'>" + Html.text(r.nextHops()) + (r.port() > 0 ? " (port " + r.port() + ")" : "")
                    + "</td><td>" + Html.text(fileName(r.file())) + "</td><td class='carrier-actions'>");
            out.println("<a class='ui-button' href='?edit=" + Html.attr(Html.query(r.pid())) + "#route-form'>Edit</a>");
            out.println(rowAction(request, r, "up", "Up", null));
            out.println(rowAction(request, r, "down", "Down", null));
            out.println(rowAction(request, r, "delete", "Remove", "Remove route " + r.name() + "? Its file is deleted too."));
            out.println("</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private String rowAction(HttpServletRequest request, RouteStore.Row r, String action, String label, String confirm) {
        return "<form method='post' class='carrier-inline'" + (confirm == null ? "" : " data-confirm='" + Html.attr(confirm) + "'") + ">"
                + tokenField(request) + "<input type='hidden' name='action' value='" + action + "'/>"
                + "<input type='hidden' name='pid' value='" + Html.attr(r.pid()) + "'/>"
                + "<button type='submit' name='do' value='" + action + "'>" + label + "</button></form>";
    }

    private void routeForm(HttpServletRequest request, PrintWriter out, List<RouteStore.Row> rows) {
        String editPid = field(request, "edit");
        Optional<RouteStore.Row> editing = rows.stream().filter(r -> r.pid().equals(editPid)).findFirst();
        Map<String, String> values = editing.map(RoutesPage::fieldsOf).orElse(Map.of("transport", "smtp", "tls", "may", "order", "100"));
        Map<String, String> problems = Map.of();
        HttpSession session = request.getSession(false);
        if (session != null && session.getAttribute(DRAFT) instanceof Draft draft && draft.pid().equals(editing.map(RouteStore.Row::pid).orElse(""))) {
            values = draft.fields();
            problems = draft.problems();
            session.removeAttribute(DRAFT);
        }
        out.println("<h3 id='route-form'>" + (editing.isPresent() ? "Edit route " + Html.text(editing.get().name()) : "Add a route") + "</h3>");
        out.println("<form method='post' class='carrier-form' id='route-editor'>" + tokenField(request)
                + "<input type='hidden' name='action' value='save'/>"
                + "<input type='hidden' name='pid' value='" + Html.attr(editing.map(RouteStore.Row::pid).orElse("")) + "'/>");
        input(out, "name", "Name", values, problems, editing.isPresent() ? " readonly='readonly'" : "", "e.g. partner (file org.carrier.route-partner.cfg)");
        input(out, "domains", "Domains", values, problems, "", "example.com, *.example.com or *");
        out.println("<label>Transport <select name='transport'>");
        String transport = values.getOrDefault("transport", "smtp");
        for (String t : TRANSPORTS) {
            out.println("<option" + (t.equals(transport) ? " selected='selected'" : "") + ">" + t + "</option>");
        }
        if (!TRANSPORTS.contains(transport)) {
            out.println("<option selected='selected'>" + Html.text(transport) + "</option>");
        }
        out.println("</select></label>" + problem(problems, "transport"));
        input(out, "nextHops", "Next hops", values, problems, "", "smtp, lmtp: host:port, comma separated");
        input(out, "port", "Port", values, problems, "", "0: 25 (24 for lmtp)");
        out.println("<label>TLS <select name='tls'>");
        String tls = values.getOrDefault("tls", RouteSpec.defaultTls(transport));
        for (String t : List.of("none", "may", "encrypt", "verify", "dane", "dane-only")) {
            out.println("<option" + (t.equals(tls) ? " selected='selected'" : "") + ">" + t + "</option>");
        }
        out.println("</select></label>" + problem(problems, "tls"));
        input(out, "order", "Order", values, problems, "", "lowest wins among equally specific routes");
        out.println("<button type='submit' id='route-save'>Save</button>"
                + (editing.isPresent() ? " <a href='?'>Cancel</a>" : "") + "</form>");
        editing.ifPresent(r -> out.println("<p class='carrier-hint'>AUTH and the reject reply are set on the route's "
                + "<a href='" + Html.attr(request.getAttribute("felix.webconsole.appRoot") + "/configMgr/" + Html.query(r.pid()))
                + "'>configuration page</a>; saving here keeps them.</p>"));
    }

    private static void input(PrintWriter out, String name, String label, Map<String, String> values, Map<String, String> problems,
                              String extra, String hint) {
        out.println("<label>" + label + " <input type='text' name='" + name + "' value='" + Html.attr(values.getOrDefault(name, ""))
                + "'" + extra + "/> <span class='carrier-hint'>" + Html.text(hint) + "</span></label>" + problem(problems, name));
    }

    private static String problem(Map<String, String> problems, String field) {
        String p = problems.get(field);
        return p == null ? "" : "<span class='carrier-problem' data-field='" + field + "'>" + Html.text(p) + "</span>";
    }

    private static Map<String, String> fieldsOf(RouteStore.Row r) {
        return Map.of("name", r.name(), "domains", r.domains(), "transport", r.transport(), "nextHops", r.nextHops(),
                "port", String.valueOf(r.port()), "tls", r.tls(), "order", String.valueOf(r.order()));
    }

    private void addressBox(HttpServletRequest request, PrintWriter out) {
        String address = field(request, "address");
        out.println("<h3 id='where'>Where would this address go?</h3>");
        out.println("<form method='get' action='#where' class='carrier-form'><label>Address <input type='text' name='address' value='"
                + Html.attr(address) + "' placeholder='user@example.com'/></label> <button type='submit' id='where-go'>Show</button></form>");
        if (address.isEmpty()) {
            return;
        }
        out.println("<div id='route-report'>");
        Router current = router;
        MailAddress parsed;
        try {
            parsed = MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            out.println("<p class='carrier-refused'>Not an address: " + Html.text(e.getMessage()) + "</p></div>");
            return;
        }
        if (current == null) {
            out.println("<p class='carrier-refused'>The router is not running.</p></div>");
            return;
        }
        RouteReport report = new RouteInspector(current, dns, configurations::transportOf, DNS_WAIT, tlsPolicies).inspect(parsed);
        out.println("<table class='tablelayout carrier-table'><tbody>");
        out.println("<tr><th>Route</th><td class='report-route'>" + Html.text(report.decision().routeName())
                + (report.routeTransport() == null ? "" : " (" + Html.text(report.routeTransport()) + ")") + "</td></tr>");
        out.println("<tr><th>Decision</th><td>" + Html.text(report.decision().destination().toString().toLowerCase())
                + (report.decision().refusal() == null ? " by transport " + Html.text(report.decision().transport())
                        : ": " + Html.text(report.decision().refusal())) + "</td></tr>");
        if (report.isMxRoute()) {
            out.println("<tr><th>MX records</th><td class='report-mx'>" + (report.mxRecords().isEmpty() ? Html.text(report.mxProblem())
                    : report.mxRecords().stream().map(RoutesPage::mx).collect(Collectors.joining("<br/>"))) + "</td></tr>");
        }
        out.println("<tr><th>Next hops</th><td class='report-hops'>" + (report.decision().nextHops().isEmpty() ? "none"
                : report.decision().nextHops().stream().map(h -> hop(h, report.hopProblems().get(h))).collect(Collectors.joining("<br/>"))) + "</td></tr>");
        List<String> tls = report.tlsLines(java.time.Instant.now());
        if (!tls.isEmpty()) {
            out.println("<tr><th>TLS policy</th><td class='report-tls'>" + tls.stream().map(Html::text).collect(Collectors.joining("<br/>"))
                    + "</td></tr>");
        }
        out.println("</tbody></table></div>");
    }

    private static String mx(MxRecord r) {
        return Html.text(r.preference() + " " + (r.isNullMx() ? ". (null MX: no mail accepted, RFC 7505)" : r.host()));
    }

    private static String hop(NextHop h, String problem) {
        if (problem != null) {
            return Html.text(h + " (no address: " + problem + ")");
        }
        return Html.text(h) + (h.addresses().isEmpty() ? ""
                : " [" + Html.text(h.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "))) + "]");
    }

    private static String fileName(String url) {
        return url == null ? "" : url.substring(url.lastIndexOf('/') + 1);
    }
}
