package org.carrier.router.internal;

import java.util.Map;
import java.util.function.Consumer;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.route.RouteSpec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One route, from one factory configuration {@code org.carrier.route} (one file
 * {@code org.carrier.route-NAME.cfg} each). Invalid settings are logged with the file and key, and give no route.
 */
@Component(service = RouteConfiguration.class, configurationPid = RouteConfiguration.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RouteConfiguration.Config.class, factory = true)
public class RouteConfiguration {
    static final String FACTORY_PID = RouteSpec.FACTORY_PID;
    private static final Logger LOG = LoggerFactory.getLogger(RouteConfiguration.class);

    @ObjectClassDefinition(name = "Carrier route",
            description = "Sends the mail of some domains to their MX hosts, a relay, an LMTP server or local mailboxes, "
                    + "or discards, rejects or holds it. The most specific match wins.")
    public @interface Config {
        @AttributeDefinition(name = "Name",
                description = "For logs: letters, digits, '.', '_' and '-', at most 64; empty means the configuration's PID.")
        String name() default "";

        @AttributeDefinition(name = "Domains",
                description = "One a field or comma separated: example.com (exactly), *.example.com (its subdomains), or * (every domain).")
        String[] domains();

        @AttributeDefinition(name = "Transport",
                description = "mx (the domain's MX hosts, found in DNS), smtp (relay to the next hops), lmtp (the next hops speak LMTP), "
                        + "local (local mailboxes), discard (accept and drop), reject (refuse with the reply below), "
                        + "hold (keep queued until the route changes), or the name of another installed transport.")
        String transport() default RouteSpec.DEFAULT_TRANSPORT;

        @AttributeDefinition(name = "Next hops", required = false,
                description = "smtp and lmtp: host:port, one a field or comma separated (or [IPv6]:port), tried in order.")
        String[] nextHops() default {};

        @AttributeDefinition(name = "Port", min = "0", max = "65535",
                description = "The port of MX hosts and of next hops given without one; 0: 25 (24 for lmtp).")
        int port() default 0;

        @AttributeDefinition(name = "TLS", required = false,
                description = "STARTTLS towards the next hops (RFC 3207). Empty: dane for mx routes, may for the others.",
                options = {@Option(label = "(default: dane for mx, may otherwise)", value = ""),
                        @Option(label = "none: never", value = "none"), @Option(label = "may: when offered", value = "may"),
                        @Option(label = "encrypt: required, certificate not checked", value = "encrypt"),
                        @Option(label = "verify: required with a valid certificate for the host", value = "verify"),
                        @Option(label = "dane: DANE where TLSA is DNSSEC-secure, else MTA-STS, else may (RFC 7672)", value = "dane"),
                        @Option(label = "dane-only: only DANE-authenticated delivery, else deferred", value = "dane-only")})
        String tls() default "";

        @AttributeDefinition(name = "AUTH user", required = false, description = "SMTP AUTH towards the next hops (RFC 4954); empty: none.")
        String authUser() default "";

        @AttributeDefinition(name = "AUTH password", required = false, type = AttributeType.PASSWORD)
        String authPassword() default "";

        @AttributeDefinition(name = "Reject code", min = "400", max = "599", description = "reject: the SMTP reply code (4xx: try later, 5xx: never).")
        int rejectCode() default RouteSpec.DEFAULT_REJECT_CODE;

        @AttributeDefinition(name = "Reject text", required = false,
                description = "reject: the reply text, starting with an enhanced status code (RFC 3463), e.g. 5.7.1 no mail for this domain.")
        String rejectText() default "";

        @AttributeDefinition(name = "Order", description = "Among equally specific routes, the lowest order wins.")
        int order() default RouteSpec.DEFAULT_ORDER;
    }

    private final ConfigGuard<Config, Route> configuration;
    private volatile Route route;
    private volatile String pid;

    public RouteConfiguration() {
        this(LOG::error);
    }

    /** For tests: a route whose one line about a refused configuration goes to {@code log}. */
    RouteConfiguration(Consumer<String> log) {
        configuration = new ConfigGuard<>(Config.class, "the route", log);
    }

    /**
     * An invalid route is logged in one line and not used (the service is still registered, with no route, so the
     * router does not wait for it); a valid change replaces it, an invalid one leaves the last good route in force.
     * Never throws: SCR would log stack traces and retry.
     */
    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        pid = String.valueOf(properties.get("service.pid"));
        route = configuration.apply(config, properties, c -> parse(c, properties));
    }

    /** The route, checked by the api's rule ({@link RouteSpec}) on the values as typed (their defaults where absent). */
    private static Route parse(Config config, Map<String, Object> properties) {
        Route.Settings typed = new Route.Settings(config.name(), config.domains(), config.transport(), config.nextHops(),
                config.port(), config.tls(), config.authUser(), config.authPassword(), config.rejectCode(), config.rejectText(),
                config.order());
        Map<String, Object> checked = typed.properties();
        checked.put("service.pid", properties.get("service.pid"));
        return Route.of(RouteSpec.parse(checked));
    }

    Route route() {
        return route;
    }

    /** The PID of the configuration this route is made from. */
    String pid() {
        return pid;
    }
}
