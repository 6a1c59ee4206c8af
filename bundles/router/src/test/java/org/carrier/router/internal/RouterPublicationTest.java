package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.carrier.testing.AnnotationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentContext;

/**
 * The condition the Router service waits for ({@code carrier.routes}) is enabled only once the routes ConfigAdmin
 * holds are in (after a restart the queue delivers what it recovered at once, and must not find a table still
 * filling), or at the deadline when one never comes. The framework's services are stood in for by the few calls
 * made of them; RouterReadinessIT shows the real SCR publishing the Router on that condition.
 */
class RouterPublicationTest {
    private final List<String> enabled = new CopyOnWriteArrayList<>();
    private RoutesLoaded loaded;

    @AfterEach
    void stop() {
        if (loaded != null) {
            loaded.deactivate();
        }
    }

    @Test
    void theConditionIsEnabledOnceEveryConfiguredRouteIsIn() throws Exception {
        loaded = new RoutesLoaded(configAdmin("org.carrier.route~a", "org.carrier.route~b"), Duration.ofMinutes(1));
        loaded.addRoute(route("org.carrier.route~a", "a.test")); // DS binds what is there before activating
        loaded.activate(context());
        assertEquals(List.of(), enabled, "route b is still on its way");
        loaded.addRoute(route("org.carrier.route~b", "b.test"));
        assertEquals(List.of(RoutesCondition.class.getName()), enabled);
        loaded.addRoute(route("org.carrier.route~c", "c.test"));
        assertEquals(1, enabled.size(), "enabled once");
    }

    @Test
    void aRouteThatNeverComesHoldsTheRouterBackOnlyUntilTheDeadline() throws Exception {
        loaded = new RoutesLoaded(configAdmin("org.carrier.route~broken"), Duration.ofMillis(200));
        loaded.activate(context());
        assertEquals(List.of(), enabled);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (enabled.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(RoutesCondition.class.getName()), enabled);
    }

    @Test
    void withoutRouteConfigurationsItIsEnabledAtOnce() throws Exception {
        loaded = new RoutesLoaded(configAdmin(), Duration.ofMinutes(1));
        loaded.activate(context());
        assertEquals(List.of(RoutesCondition.class.getName()), enabled);
    }

    @Test
    void deactivatedBeforeTheDeadlineItEnablesNothing() throws Exception {
        loaded = new RoutesLoaded(configAdmin("org.carrier.route~late"), Duration.ofMillis(100));
        loaded.activate(context());
        loaded.deactivate();
        Thread.sleep(300);
        assertEquals(List.of(), enabled);
    }

    private static RouteConfiguration route(String pid, String domain) throws Exception {
        RouteConfiguration route = new RouteConfiguration();
        route.configure(AnnotationConfig.of(RouteConfiguration.Config.class,
                Map.of("domains", domain, "transport", "smtp", "nextHops", "127.0.0.1:2526")), Map.of("service.pid", pid));
        return route;
    }

    private static ConfigurationAdmin configAdmin(String... routePids) {
        Configuration[] found = new Configuration[routePids.length];
        for (int i = 0; i < routePids.length; i++) {
            String pid = routePids[i];
            found[i] = fake(Configuration.class, (method, args) -> method.equals("getPid") ? pid : null);
        }
        return fake(ConfigurationAdmin.class, (method, args) -> {
            if (method.equals("listConfigurations")) {
                assertEquals("(service.factoryPid=org.carrier.route)", args[0]);
                return found.length == 0 ? null : found;
            }
            throw new UnsupportedOperationException(method);
        });
    }

    private ComponentContext context() {
        return fake(ComponentContext.class, (method, args) -> {
            if (method.equals("enableComponent")) {
                enabled.add((String) args[0]);
                return null;
            }
            throw new UnsupportedOperationException(method);
        });
    }

    private interface Answer {
        Object answer(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    private static <T> T fake(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> type.getSimpleName() + " fake";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> answer.answer(method.getName(), args);
                });
    }
}
