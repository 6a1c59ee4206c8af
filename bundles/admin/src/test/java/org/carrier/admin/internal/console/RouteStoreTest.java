package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RouteStoreTest {
    private final Fakes.ConfigStore config = new Fakes.ConfigStore();
    private final RouteStore store = new RouteStore(config.admin);

    private static RouteForm form(String name, String domains, int order) {
        return RouteForm.parse(Map.of("name", name, "domains", domains, "transport", "smtp", "nextHops", "relay:25",
                "order", String.valueOf(order))::get);
    }

    private List<String> names() throws Exception {
        return store.list().stream().map(RouteStore.Row::name).toList();
    }

    @Test
    void routesAreListedByOrderThenName() throws Exception {
        config.route("internet", "*", 100);
        config.route("b", "b.example", 10);
        config.route("a", "a.example", 10);
        assertEquals(List.of("a", "b", "internet"), names());
        RouteStore.Row a = store.list().get(0);
        assertEquals("org.carrier.route~a", a.pid());
        assertEquals("a.example", a.domains());
        assertEquals("file:/nonexistent/config/org.carrier.route-a.cfg", a.file());
    }

    @Test
    void aNewRouteIsANamedFactoryConfigurationAndANameIsTakenOnce() throws Exception {
        store.add(form("partner", "partner.example", 5));
        assertEquals("partner.example", config.configurations.get("org.carrier.route~partner").get("domains"));
        assertEquals(5, config.configurations.get("org.carrier.route~partner").get("order"));
        RouteForm.Invalid e = assertThrows(RouteForm.Invalid.class, () -> store.add(form("Partner", "other.example", 1)));
        assertTrue(e.problems().get("name").contains("exists already"));
        assertEquals(List.of("update org.carrier.route~partner"), config.changes, "the refused one changed nothing");
    }

    @Test
    void anEditKeepsTheNameTheFileAndTheSettingsTheFormHasNot() throws Exception {
        config.route("partner", "partner.example", 100);
        config.configurations.get("org.carrier.route~partner").put("authUser", "carrier");
        config.configurations.get("org.carrier.route~partner").put("authPassword", "secret"); // the router takes no AUTH user without one
        store.update("org.carrier.route~partner", form("renamed", "partner.example, *.partner.example", 7));
        Map<String, Object> p = config.configurations.get("org.carrier.route~partner");
        assertEquals("partner", p.get("name"));
        assertEquals("partner.example, *.partner.example", p.get("domains"));
        assertEquals("carrier", p.get("authUser"));
        assertEquals("file:/nonexistent/config/org.carrier.route-partner.cfg", p.get("felix.fileinstall.filename"));
        assertThrows(IllegalArgumentException.class, () -> store.update("org.carrier.route~gone", form("gone", "x.example", 1)));
    }

    @Test
    void movingExchangesTheOrderWithTheNeighbour() throws Exception {
        config.route("a", "a.example", 10);
        config.route("b", "b.example", 20);
        config.route("c", "c.example", 20);
        assertTrue(store.move("org.carrier.route~b", -1));
        assertEquals(List.of("b", "a", "c"), names());
        assertTrue(store.move("org.carrier.route~a", 1), "a and c have equal orders: a goes one past");
        assertEquals(List.of("b", "c", "a"), names());
        assertFalse(store.move("org.carrier.route~b", -1), "already first");
        assertFalse(store.move("org.carrier.route~a", 1), "already last");
    }

    @Test
    void deletingRemovesTheConfiguration() throws Exception {
        config.route("a", "a.example", 10);
        assertEquals("a", store.delete("org.carrier.route~a"));
        assertTrue(config.configurations.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> store.delete("org.carrier.route~a"));
    }
}
