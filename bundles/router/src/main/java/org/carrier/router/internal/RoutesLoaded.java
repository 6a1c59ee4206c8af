package org.carrier.router.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.carrier.api.route.RouteSpec;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when the routes are in: enables {@link RoutesCondition}, the OSGi condition {@value #CONDITION_ID} that the
 * {@link ConfiguredRouter}'s Router service waits for (its satisfying condition, OSGi DS 1.5 §112.3.13), once every
 * route configuration ConfigAdmin held at start-up is a bound route component. The queue delivers the mail it
 * recovered as soon as there is a router, and the SMTP server answers RCPT: with a table still filling, both would
 * refuse mail for a domain whose route is on its way (a queued message bounced, after a restart). Route components
 * arrive on ConfigAdmin's thread, a few milliseconds after this one; one that never arrives (its configuration is
 * invalid, and logged) holds the router back {@link #DEADLINE} at most.
 */
@Component(service = {})
public class RoutesLoaded {
    /** The {@code osgi.condition.id} of the condition "the configured routes are in". */
    static final String CONDITION_ID = "carrier.routes";
    /** How long the Router service waits for a route configuration that never becomes a route (it is invalid). */
    static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(RoutesLoaded.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "carrier-routes-deadline");
        t.setDaemon(true);
        return t;
    });
    private final Duration deadline;
    @Reference
    private ConfigurationAdmin configAdmin;
    /** The PIDs of the route components bound so far, and of those still awaited. Guarded by this. */
    private final Set<String> bound = new HashSet<>();
    private final Set<String> awaited = new HashSet<>();
    private ComponentContext context;
    private boolean done;

    public RoutesLoaded() {
        this(null, DEADLINE);
    }

    /** For tests: waiting {@code deadline} for missing routes. */
    RoutesLoaded(ConfigurationAdmin configAdmin, Duration deadline) {
        this.configAdmin = configAdmin;
        this.deadline = deadline;
    }

    @Activate
    void activate(ComponentContext componentContext) {
        Set<String> configured = configuredRoutes();
        synchronized (this) {
            context = componentContext;
            awaited.addAll(configured);
            awaited.removeAll(bound);
        }
        timer.schedule(() -> ready(true), deadline.toMillis(), TimeUnit.MILLISECONDS);
        ready(false);
    }

    @Deactivate
    synchronized void deactivate() {
        timer.shutdownNow();
        context = null;
    }

    /** A route component, bound before activation for those there already; its configuration is no longer awaited. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeRoute")
    void addRoute(RouteConfiguration route) {
        synchronized (this) {
            bound.add(route.pid());
            awaited.remove(route.pid());
        }
        ready(false);
    }

    synchronized void removeRoute(RouteConfiguration route) {
        bound.remove(route.pid());
    }

    private Set<String> configuredRoutes() {
        try {
            Configuration[] found = configAdmin.listConfigurations(
                    "(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + RouteSpec.FACTORY_PID + ")");
            return found == null ? Set.of() : Arrays.stream(found).map(Configuration::getPid).collect(Collectors.toSet());
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("cannot list the route configurations ({}); routing with the routes as they arrive", e.toString());
            return Set.of();
        }
    }

    /** Enables the condition once no awaited route is missing, or at the deadline whatever is missing. */
    private void ready(boolean deadlinePassed) {
        ComponentContext enabling;
        synchronized (this) {
            if (done || context == null || (!awaited.isEmpty() && !deadlinePassed)) {
                return;
            }
            if (!awaited.isEmpty()) {
                LOG.warn("route configurations {} gave no route within {} s (see their errors above); routing without them",
                        awaited, deadline.toSeconds());
            }
            done = true;
            enabling = context;
        }
        // outside the lock: SCR then publishes the Router, which activates the queue and the SMTP server
        enabling.enableComponent(RoutesCondition.class.getName());
    }
}
