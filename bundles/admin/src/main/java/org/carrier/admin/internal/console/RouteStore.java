package org.carrier.admin.internal.console;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.admin.internal.overview.RouteConfigurations;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The routes as the Routes page edits them: the factory configurations {@code org.carrier.route}, the same ones the
 * router reads and FileInstall loads from {@code config/org.carrier.route-NAME.cfg}. A changed route is written back
 * to its file by FileInstall (its {@code felix.fileinstall.filename} is kept); a new one gets its file from
 * {@code ConfigurationFileWriter}; a removed one loses its file.
 */
final class RouteStore {
    static final String FACTORY_PID = RouteConfigurations.FACTORY_PID;
    private static final String FILENAME = "felix.fileinstall.filename";

    /** One route as listed: its configuration's PID, the fields the page shows, and its file if it has one. */
    record Row(String pid, String name, String domains, String transport, String nextHops, int port, String tls,
               int order, String file) {
    }

    private final ConfigurationAdmin configAdmin;

    RouteStore(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /** Every route, in the order the page shows them: by {@code order}, then name. */
    List<Row> list() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Configuration c : configurations()) {
            Dictionary<String, Object> p = c.getProperties();
            if (p != null) {
                rows.add(row(c.getPid(), p));
            }
        }
        rows.sort(Comparator.comparingInt(Row::order).thenComparing(Row::name));
        return rows;
    }

    Optional<Row> find(String pid) throws IOException {
        return list().stream().filter(r -> r.pid().equals(pid)).findFirst();
    }

    /** Adds a route; refused if one of that name exists already. */
    void add(RouteForm form) throws IOException {
        if (list().stream().anyMatch(r -> r.name().equalsIgnoreCase(form.name()))) {
            throw new RouteForm.Invalid(Map.of("name", "a route named " + form.name() + " exists already; edit it instead"));
        }
        Configuration c = configAdmin.getFactoryConfiguration(FACTORY_PID, form.name(), "?");
        c.update(merged(new Hashtable<>(), form));
    }

    /** Changes the route {@code pid} to the form's settings; its name and the settings the form has not are kept. */
    void update(String pid, RouteForm form) throws IOException {
        Configuration c = existing(pid);
        Dictionary<String, Object> props = c.getProperties();
        String keptName = row(pid, props).name();
        RouteForm renamedBack = new RouteForm(keptName, form.domains(), form.transport(), form.nextHops(), form.port(),
                form.tls(), form.order());
        c.update(merged(props, renamedBack));
    }

    /** Removes the route {@code pid} and its file. @return its name */
    String delete(String pid) throws IOException {
        Configuration c = existing(pid);
        Row row = row(pid, c.getProperties());
        c.delete();
        if (row.file() != null && row.file().startsWith("file:")) {
            Files.deleteIfExists(new File(URI.create(row.file())).toPath());
        }
        return row.name();
    }

    /**
     * Moves the route {@code pid} one place up ({@code -1}) or down ({@code +1}) in the table by exchanging its
     * {@code order} with its neighbour's (or, when both are equal, going one past it).
     *
     * @return false if it is already first (last)
     */
    boolean move(String pid, int direction) throws IOException {
        List<Row> rows = list();
        int at = -1;
        for (int i = 0; i < rows.size(); i++) {
            at = rows.get(i).pid().equals(pid) ? i : at;
        }
        if (at < 0) {
            throw new IllegalArgumentException("no route " + pid + " (removed meanwhile?)");
        }
        int to = at + Integer.signum(direction);
        if (to < 0 || to >= rows.size()) {
            return false;
        }
        Row self = rows.get(at);
        Row other = rows.get(to);
        int selfOrder = other.order() == self.order() ? other.order() + Integer.signum(direction) : other.order();
        setOrder(other.pid(), self.order());
        setOrder(self.pid(), selfOrder);
        return true;
    }

    private void setOrder(String pid, int order) throws IOException {
        Configuration c = existing(pid);
        Dictionary<String, Object> props = c.getProperties();
        if (!String.valueOf(order).equals(String.valueOf(props.get("order")))) {
            props.put("order", order);
            c.update(props);
        }
    }

    private static Dictionary<String, Object> merged(Dictionary<String, Object> props, RouteForm form) {
        form.properties().forEach(props::put);
        return props;
    }

    private Configuration existing(String pid) throws IOException {
        for (Configuration c : configurations()) {
            if (c.getPid().equals(pid) && c.getProperties() != null) {
                return c;
            }
        }
        throw new IllegalArgumentException("no route " + pid + " (removed meanwhile?)");
    }

    private Configuration[] configurations() throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + FACTORY_PID + ")");
            return found == null ? new Configuration[0] : found;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Row row(String pid, Dictionary<String, Object> p) {
        String name = text(p.get("name"));
        if (name.isEmpty()) {
            name = pid; // as the router names it
        }
        Object file = p.get(FILENAME);
        return new Row(pid, name, text(p.get("domains")), text(p.get("transport")).isEmpty() ? "smtp" : text(p.get("transport")),
                text(p.get("nextHops")), number(p.get("port"), 0), text(p.get("tls")).isEmpty() ? "may" : text(p.get("tls")),
                number(p.get("order"), 100), file == null ? null : file.toString());
    }

    /** A property as text; arrays (a list typed in the configuration) are joined with commas. */
    private static String text(Object value) {
        if (value instanceof Object[] array) {
            List<String> parts = new ArrayList<>();
            for (Object o : array) {
                parts.add(String.valueOf(o));
            }
            return String.join(", ", parts);
        }
        return value == null ? "" : value.toString().trim();
    }

    private static int number(Object value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
