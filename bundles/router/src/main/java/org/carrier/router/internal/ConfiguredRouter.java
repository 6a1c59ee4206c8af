package org.carrier.router.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.carrier.api.message.MailAddress;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router service: local domains from its own configuration, remote domains from the routes
 * (each a {@link RouteConfiguration}), which come and go while it runs.
 */
@Component(configurationPid = ConfiguredRouter.PID)
@Designate(ocd = ConfiguredRouter.Config.class)
public class ConfiguredRouter implements Router {
    static final String PID = "org.carrier.router";
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredRouter.class);

    @ObjectClassDefinition(name = "Carrier router", description = "Which domains are delivered on this host.")
    public @interface Config {
        @AttributeDefinition(name = "Local domains", description = "Comma separated; their mail goes to local mailboxes.")
        String localDomains() default "localhost";

        @AttributeDefinition(name = "Local transport", description = "The transport that delivers to local mailboxes.")
        String localTransport() default "local";
    }

    private final List<RouteConfiguration> routes = new CopyOnWriteArrayList<>();
    private volatile RouteTable table = new RouteTable(Set.of(), "local", List.of());

    @Activate
    @Modified
    void configure(Config config) {
        table = table.withLocalDomains(Set.copyOf(Route.split(config.localDomains())), config.localTransport().trim());
        LOG.info("local domains: {}", Route.split(config.localDomains()));
    }

    /** Routes change live: a modified route configuration updates its service properties, which calls updatedRoute. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedRoute", unbind = "removeRoute")
    void addRoute(RouteConfiguration route) {
        routes.add(route);
        rebuild();
    }

    void updatedRoute(RouteConfiguration route) {
        rebuild();
    }

    void removeRoute(RouteConfiguration route) {
        routes.remove(route);
        rebuild();
    }

    private synchronized void rebuild() {
        List<Route> current = routes.stream().map(RouteConfiguration::route).filter(r -> r != null).toList();
        table = table.withRoutes(current);
        LOG.info("route table: {} route(s) {}", current.size(), current.stream().map(Route::name).toList());
    }

    @Override
    public RouteDecision route(MailAddress recipient) {
        RouteDecision decision = table.route(recipient);
        LOG.debug("route <{}>: {}", recipient, decision);
        return decision;
    }
}
