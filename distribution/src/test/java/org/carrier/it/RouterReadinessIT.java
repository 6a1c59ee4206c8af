package org.carrier.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.carrier.api.message.MailAddress;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The Router service appears only once the routes ConfigAdmin holds are in its table: the router bundle is started
 * with many route configurations waiting, as after a restart, and the first look at the Router, made the moment SCR
 * registers it, already routes every one of their domains (the queue delivers recovered mail that soon, and would
 * bounce it with 550 5.4.4 "no route" from a table still filling). SCR publishes it on the OSGi condition
 * {@code carrier.routes}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RouterReadinessIT {
    private static final int ROUTES = 60;

    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws IOException {
        return PaxCore.options().toArray(new Option[0]);
    }

    @Test
    public void theRouterIsPublishedWithEveryConfiguredRouteInItsTable() throws Exception {
        Bundle routerBundle = bundle("org.carrier.router");
        routerBundle.stop();
        for (int i = 0; i < ROUTES; i++) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("name", "r" + i);
            props.put("domains", "d" + i + ".test");
            props.put("transport", "smtp");
            props.put("nextHops", "127.0.0.1:2526");
            configAdmin.getFactoryConfiguration("org.carrier.route", "r" + i, "?").update(props);
        }
        CompletableFuture<List<String>> unrouted = new CompletableFuture<>();
        ServiceListener firstLook = event -> {
            if (event.getType() == ServiceEvent.REGISTERED && !unrouted.isDone()) {
                unrouted.complete(unrouted(event.getServiceReference()));
            }
        };
        context.addServiceListener(firstLook, "(objectClass=" + Router.class.getName() + ")");
        try {
            routerBundle.start();
            assertEquals("domains the Router did not route when it appeared", List.of(), unrouted.get(30, TimeUnit.SECONDS));
        } finally {
            context.removeServiceListener(firstLook);
        }
        ServiceReference<?>[] conditions = context.getServiceReferences("org.osgi.service.condition.Condition",
                "(osgi.condition.id=carrier.routes)");
        assertNotNull("the condition carrier.routes is registered", conditions);
        assertEquals(1, conditions.length);
        assertTrue("the Router waits for it", String.valueOf(context.getServiceReference(Router.class)
                .getProperty("osgi.ds.satisfying.condition.target")).contains("carrier.routes"));
    }

    /** The route domains the Router refuses (no route), looked at on the thread that registers it. */
    private List<String> unrouted(ServiceReference<?> reference) {
        Router router = (Router) context.getService(reference);
        List<String> missing = new ArrayList<>();
        try {
            for (int i = 0; i < ROUTES; i++) {
                RouteDecision d = router.route(MailAddress.of("x", "d" + i + ".test"));
                if (d.refusal() != null) {
                    missing.add("d" + i + ".test");
                }
            }
        } finally {
            context.ungetService(reference);
        }
        return missing;
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }
}
