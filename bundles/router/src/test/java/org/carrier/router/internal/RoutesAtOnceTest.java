package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.carrier.api.message.MailAddress;
import org.carrier.api.route.Destination;
import org.carrier.testing.AnnotationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which recipients the router answers from memory (so the SMTP server may route RCPT on its network thread):
 * our own domains, fixed routes and unroutable domains; not MX routes, which wait for DNS.
 */
class RoutesAtOnceTest {
    @TempDir
    Path dir;
    private final ConfiguredRouter router = new ConfiguredRouter();
    private RouteConfiguration mxRoute;

    @BeforeEach
    void configure() throws Exception {
        router.configure(AnnotationConfig.of(ConfiguredRouter.Config.class, Map.of(
                "localDomains", "local.test", "virtualDomains", "virtual.test",
                "aliasFile", dir.resolve("aliases.properties").toString(),
                "mailboxFile", dir.resolve("mailboxes.properties").toString())), Map.of());
        addRoute("relay", "relay.test", "smtp", "127.0.0.1:2526");
        mxRoute = addRoute("dns", "*", "mx", "");
        addRoute("refuse", "refused.test", "reject", "");
    }

    @AfterEach
    void stop() {
        router.deactivate();
    }

    private RouteConfiguration addRoute(String name, String domains, String transport, String nextHops) throws Exception {
        RouteConfiguration route = new RouteConfiguration();
        route.configure(AnnotationConfig.of(RouteConfiguration.Config.class,
                Map.of("name", name, "domains", domains, "transport", transport, "nextHops", nextHops)), Map.of());
        router.addRoute(route);
        return route;
    }

    @Test
    void ourDomainsAndFixedRoutesAnswerAtOnce() {
        assertTrue(router.routesAtOnce(MailAddress.parse("alice@local.test")));
        assertTrue(router.routesAtOnce(MailAddress.parse("nobody@virtual.test")));
        assertTrue(router.routesAtOnce(MailAddress.parse("bob@relay.test")));
        assertTrue(router.routesAtOnce(MailAddress.parse("bob@refused.test")));
    }

    @Test
    void mxRoutesWaitForDns() {
        assertFalse(router.routesAtOnce(MailAddress.parse("carol@example.org")));
        // without a resolver the MX route refuses for now; it would ask DNS once one is there
        assertEquals(Destination.REFUSED, router.route(MailAddress.parse("carol@example.org")).destination());
    }

    @Test
    void aDomainNoRouteMatchesIsRefusedAtOnce() {
        router.removeRoute(mxRoute);
        assertTrue(router.routesAtOnce(MailAddress.parse("carol@example.org")));
        assertEquals(Destination.REFUSED, router.route(MailAddress.parse("carol@example.org")).destination());
    }
}
