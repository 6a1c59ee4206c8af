package org.carrier.admin.internal.overview;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Locale;
import java.util.Optional;

import org.carrier.api.route.RouteSpec;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Reads the route configurations (factory PID {@code org.carrier.route}) from ConfigAdmin, where the router reads
 * them too: a route's name is its {@code name} property, or its PID when that is empty (as the router names it).
 */
public final class RouteConfigurations {
    /** The factory PID of route configurations. */
    public static final String FACTORY_PID = RouteSpec.FACTORY_PID;

    private final ConfigurationAdmin configAdmin;

    public RouteConfigurations(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /** The {@code transport} setting of the route named {@code routeName} (lower case), if there is such a route. */
    public Optional<String> transportOf(String routeName) {
        try {
            Configuration[] routes = configAdmin.listConfigurations("(service.factoryPid=" + FACTORY_PID + ")");
            if (routes == null) {
                return Optional.empty();
            }
            for (Configuration route : routes) {
                Dictionary<String, Object> properties = route.getProperties();
                if (properties != null && routeName.equals(nameOf(route.getPid(), properties))) {
                    Object transport = properties.get(RouteSpec.TRANSPORT);
                    return Optional.of(transport == null ? RouteSpec.DEFAULT_TRANSPORT : transport.toString().trim().toLowerCase(Locale.ROOT));
                }
            }
            return Optional.empty();
        } catch (IOException | InvalidSyntaxException e) {
            return Optional.empty();
        }
    }

    private static String nameOf(String pid, Dictionary<String, Object> properties) {
        Object name = properties.get(RouteSpec.NAME);
        return name == null || name.toString().isBlank() ? pid : name.toString().trim();
    }
}
