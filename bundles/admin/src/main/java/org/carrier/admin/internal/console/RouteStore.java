package org.carrier.admin.internal.console;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.carrier.api.route.RouteSpec;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The routes as the Routes page edits them: the factory configurations {@code org.carrier.route}, the same ones the
 * router reads and FileInstall loads from {@code config/org.carrier.route-NAME.cfg}. A changed route is written back
 * to its file by FileInstall (its {@code felix.fileinstall.filename} is kept); a new one gets its file from
 * {@code ConfigurationFileWriter}; a removed one loses its file.
 */
public final class RouteStore {
    static final String FACTORY_PID = RouteSpec.FACTORY_PID;
    private static final String FILENAME = "felix.fileinstall.filename";

    /** One route as listed: its configuration's PID, the fields the page shows, and its file if it has one. */
    public record Row(String pid, String name, String domains, String transport, String nextHops, int port, String tls,
               int order, String file) {
    }

    private final ConfigurationAdmin configAdmin;

    public RouteStore(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /** Every route, in the order the page shows them: by {@code order}, then name. */
    public List<Row> list() throws IOException {
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
    public void add(RouteForm form) throws IOException {
        if (list().stream().anyMatch(r -> r.name().equalsIgnoreCase(form.name()))) {
            throw new RouteForm.Invalid(Map.of(RouteSpec.NAME, "a route named " + form.name() + " exists already; edit it instead"));
        }
        Configuration c = configAdmin.getFactoryConfiguration(FACTORY_PID, form.name(), "?");
        c.update(merged(new Hashtable<>(), form));
    }

    /**
     * Changes the route {@code pid} to the form's settings; its name and the settings the form has not are kept. The
     * route they make together is checked as a whole (AUTH needs TLS, say), as the router will check it.
     *
     * @throws RouteForm.Invalid if the router would not use the route
     */
    void update(String pid, RouteForm form) throws IOException {
        update(pid, field -> String.valueOf(form.properties().get(field)));
    }

    /** {@link #update(String, RouteForm)} from the form's fields as the browser sent them (its name field is not read). */
    public void update(String pid, Function<String, String> fields) throws IOException {
        Configuration c = existing(pid);
        Dictionary<String, Object> props = c.getProperties();
        Map<String, Object> kept = new HashMap<>();
        for (String key : Collections.list(props.keys())) {
            kept.put(key, props.get(key));
        }
        String keptName = text(props.get(RouteSpec.NAME)); // empty: the router names it by its PID, which kept has
        c.update(merged(props, RouteForm.parse(field -> field.equals(RouteSpec.NAME) ? keptName : fields.apply(field), kept)));
    }

    /** Removes the route {@code pid} and its file. @return its name */
    public String delete(String pid) throws IOException {
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
        if (!String.valueOf(order).equals(String.valueOf(props.get(RouteSpec.ORDER)))) {
            props.put(RouteSpec.ORDER, order);
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
        String name = text(p.get(RouteSpec.NAME));
        if (name.isEmpty()) {
            name = pid; // as the router names it
        }
        Object file = p.get(FILENAME);
        String transport = text(p.get(RouteSpec.TRANSPORT));
        String tls = text(p.get(RouteSpec.TLS));
        return new Row(pid, name, text(p.get(RouteSpec.DOMAINS)), transport.isEmpty() ? RouteSpec.DEFAULT_TRANSPORT : transport,
                text(p.get(RouteSpec.NEXT_HOPS)), number(p.get(RouteSpec.PORT), 0), tls.isEmpty() ? RouteSpec.defaultTls(transport) : tls,
                number(p.get(RouteSpec.ORDER), RouteSpec.DEFAULT_ORDER), file == null ? null : file.toString());
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
