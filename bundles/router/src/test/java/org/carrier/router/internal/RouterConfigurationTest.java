package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration with a bad value, as SCR hands it over from a file, neither throws (SCR would log stack traces)
 * nor changes anything: the last good settings stay.
 */
class RouterConfigurationTest {
    @TempDir
    Path dir;
    private final ConfiguredRouter router = new ConfiguredRouter();

    @AfterEach
    void stop() {
        router.deactivate();
    }

    private void configure(Object... keyValues) {
        Map<String, Object> p = new HashMap<>(Map.of("service.pid", "org.carrier.router",
                "aliasFile", dir.resolve("aliases.properties").toString(), "mailboxFile", dir.resolve("mailboxes.properties").toString()));
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        router.configure(TypedConfig.of(ConfiguredRouter.Config.class, p), p);
    }

    private boolean local(String address) {
        return router.route(MailAddress.parse(address)).refusal() == null;
    }

    @Test
    void aDomainListWithASpaceInAnElementIsRefusedAndTheLastGoodDomainsStay() {
        configure("localDomains", "localhost, example.com");
        configure("localDomains", "exa mple, ,,");
        assertTrue(local("bob@localhost"), "localhost is still ours");
        assertTrue(local("bob@example.com"));
        assertEquals(550, router.route(MailAddress.parse("bob@mple")).refusal().code(), "no route: mple did not become ours");
        configure("localDomains", "localhost,, example.org,");
        assertTrue(local("bob@example.org"), "empty elements are ignored");
    }

    /** The web console's Configuration page writes a list setting as a String[], one element a field. */
    @Test
    void listSettingsAreReadAsStringArraysWhoseElementsMayBeCommaListsThemselves() {
        configure("localDomains", new String[] {"localhost", "example.com, example.org"},
                "virtualDomains", new String[] {"virtual.test"}, "localUsers", new String[] {"bob", "alice"});
        assertTrue(local("bob@localhost"));
        assertTrue(local("alice@example.com"));
        assertTrue(local("bob@example.org"));
        assertEquals(550, router.route(MailAddress.parse("carol@example.com")).refusal().code(), "carol is not in localUsers");
        assertEquals(550, router.route(MailAddress.parse("bob@virtual.test")).refusal().code(), "not in the tables");
        configure("localDomains", new String[] {"example.net", "exa mple"});
        assertTrue(local("bob@example.com"), "an element with a space refuses the whole change");
    }

    @Test
    void aRouteReadsItsDomainsAndNextHopsAsStringArrays() {
        RouteConfiguration route = new RouteConfiguration();
        Map<String, Object> p = Map.of("service.pid", "org.carrier.route~y", "domains", new String[] {"a.test", "*.b.test, c.test"},
                "transport", "smtp", "nextHops", new String[] {"127.0.0.1:2525", "[::1]:2526"});
        route.configure(TypedConfig.of(RouteConfiguration.Config.class, p), p);
        assertEquals(java.util.List.of("a.test", "*.b.test", "c.test"), route.route().patterns());
        assertEquals("[127.0.0.1:2525, [::1]:2526]", route.route().nextHops().toString());
    }

    @Test
    void aNumberThatIsNotOneIsRefusedWithoutThrowing() {
        configure("localDomains", "example.com");
        configure("localDomains", "example.org", "dnsWaitSeconds", "banana");
        assertTrue(local("bob@example.com"), "the whole change is refused");
    }

    @Test
    void aRouteWithABadValueGivesNoRouteAtFirstAndKeepsItsLastGoodOneLater() {
        RouteConfiguration route = new RouteConfiguration();
        Map<String, Object> bad = Map.of("service.pid", "org.carrier.route~x", "domains", "x.test", "transport", "smtp",
                "nextHops", "127.0.0.1", "port", "abc");
        route.configure(TypedConfig.of(RouteConfiguration.Config.class, bad), bad);
        assertNull(route.route());
        Map<String, Object> good = new HashMap<>(bad);
        good.put("port", "2526");
        route.configure(TypedConfig.of(RouteConfiguration.Config.class, good), good);
        assertEquals(2526, route.route().port());
        Map<String, Object> worse = new HashMap<>(good);
        worse.put("domains", "exa mple.com");
        route.configure(TypedConfig.of(RouteConfiguration.Config.class, worse), worse);
        assertEquals(java.util.List.of("x.test"), route.route().patterns());
    }

    @Test
    void theReadmesExampleOfARefusedRouteValue() {
        Route.Settings s = new Route.Settings("x", "x.test", "smtp", "127.0.0.1:25", 0, "sometimes", "", "", 550, "", 100);
        assertEquals("tls = \"sometimes\": not one of none, may, encrypt, verify, dane, dane-only",
                org.junit.jupiter.api.Assertions.assertThrows(org.carrier.api.config.ConfigProblem.class, () -> Route.parse(s)).getMessage());
    }

    @Test
    void withoutOwnHostnamesTheMxLoopCheckKnowsTheShortAndTheFullyQualifiedName() {
        assertEquals(java.util.Set.of("mail", "mail.example.com"),
                ConfiguredRouter.ownHostnames(java.util.List.of(), "mail", () -> java.util.Optional.of("Mail.Example.com")));
        assertEquals(java.util.Set.of("mail"), ConfiguredRouter.ownHostnames(java.util.List.of(), "mail", java.util.Optional::empty));
        assertEquals(java.util.Set.of("mx1.example.com"), ConfiguredRouter.ownHostnames(java.util.List.of("mx1.example.com"), "mail",
                () -> java.util.Optional.of("mail.example.com")), "configured names replace the default");
    }
}
