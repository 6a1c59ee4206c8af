package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.message.MailAddress;
import org.carrier.api.route.Router;
import org.carrier.testing.AnnotationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The Router service appears only once the routes ConfigAdmin holds are in the table (after a restart the queue
 * delivers what it recovered at once, and must not find a table still filling), or at the deadline when one never
 * comes. The framework's two services are stood in for by the few calls the router makes of them.
 */
class RouterPublicationTest {
    @TempDir
    Path dir;
    private final List<Object> registered = new CopyOnWriteArrayList<>();
    private final AtomicInteger unregistered = new AtomicInteger();
    private ConfiguredRouter router;

    @AfterEach
    void stop() {
        if (router != null) {
            router.deactivate();
        }
    }

    @Test
    void theRouterIsPublishedOnceEveryConfiguredRouteIsIn() throws Exception {
        router = new ConfiguredRouter(configAdmin("org.carrier.route~a", "org.carrier.route~b"), Duration.ofMinutes(1));
        router.addRoute(route("org.carrier.route~a", "a.test")); // DS binds what is there before activating
        router.activate(context(), config(), Map.of());
        assertEquals(List.of(), registered, "route b is still on its way");
        router.addRoute(route("org.carrier.route~b", "b.test"));
        assertEquals(List.of(router), registered);
        router.addRoute(route("org.carrier.route~c", "c.test"));
        assertEquals(1, registered.size(), "published once");
        router.deactivate();
        router = null;
        assertEquals(1, unregistered.get());
    }

    @Test
    void aRouteThatNeverComesHoldsTheRouterBackOnlyUntilTheDeadline() throws Exception {
        router = new ConfiguredRouter(configAdmin("org.carrier.route~broken"), Duration.ofMillis(200));
        router.activate(context(), config(), Map.of());
        assertEquals(List.of(), registered);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (registered.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(router), registered);
    }

    @Test
    void withoutRouteConfigurationsItIsPublishedAtOnce() throws Exception {
        router = new ConfiguredRouter(configAdmin(), Duration.ofMinutes(1));
        router.activate(context(), config(), Map.of());
        assertEquals(List.of(router), registered);
        assertEquals(550, router.route(MailAddress.parse("x@nowhere.test")).refusal().code());
    }

    private ConfiguredRouter.Config config() {
        return AnnotationConfig.of(ConfiguredRouter.Config.class, Map.of(
                "aliasFile", dir.resolve("aliases.properties").toString(),
                "mailboxFile", dir.resolve("mailboxes.properties").toString()));
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

    private BundleContext context() {
        ServiceRegistration<?> registration = fake(ServiceRegistration.class, (method, args) -> {
            if (method.equals("unregister")) {
                unregistered.incrementAndGet();
                return null;
            }
            throw new UnsupportedOperationException(method);
        });
        return fake(BundleContext.class, (method, args) -> {
            if (method.equals("registerService") && args[0] == Router.class) {
                registered.add(args[1]);
                return registration;
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
