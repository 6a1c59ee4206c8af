package org.carrier.router.internal;

import java.util.Map;

import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One route, from one factory configuration {@code org.carrier.route} (one file
 * {@code org.carrier.route-NAME.cfg} each). It registers itself for the router only when its
 * settings are valid; invalid settings fail activation with the property named.
 */
@Component(service = RouteConfiguration.class, configurationPid = RouteConfiguration.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RouteConfiguration.Config.class, factory = true)
public class RouteConfiguration {
    static final String FACTORY_PID = "org.carrier.route";

    @ObjectClassDefinition(name = "Carrier route",
            description = "Sends the mail of some domains to a transport and its next hops. The most specific match wins.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "For logs; empty means the configuration's PID.")
        String name() default "";

        @AttributeDefinition(name = "Domains",
                description = "Comma separated: example.com (exactly), *.example.com (its subdomains), or * (every domain).")
        String domains();

        @AttributeDefinition(name = "Transport", description = "smtp, local, or any other installed transport.")
        String transport() default "smtp";

        @AttributeDefinition(name = "Next hops", required = false,
                description = "Comma separated host:port (or [IPv6]:port; port 25 when omitted), tried in order.")
        String nextHops() default "";

        @AttributeDefinition(name = "Order", description = "Among equally specific routes, the lowest order wins.")
        int order() default 100;
    }

    private volatile Route route;

    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) throws ConfigurationException {
        String name = config.name().isBlank() ? String.valueOf(properties.get("service.pid")) : config.name().trim();
        try {
            route = Route.parse(name, config.domains(), config.transport(), config.nextHops(), config.order());
        } catch (InvalidRouteException e) {
            throw new ConfigurationException(e.property(), "route " + name + ": " + e.getMessage());
        }
    }

    Route route() {
        return route;
    }
}
