package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.route.RouteCases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The api's table of good and bad routes, each given to the route component as FileInstall hands over a file: a good
 * one is a route, a bad one is none, with one log line naming its key (the console's form is fed the same table).
 */
class RouteRulesTest {
    static List<RouteCases.Case> cases() {
        return RouteCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theRouterAcceptsAndRefusesTheRoutesOfTheSharedTable(RouteCases.Case c) {
        List<String> log = new ArrayList<>();
        RouteConfiguration component = new RouteConfiguration(log::add);
        Map<String, Object> file = new HashMap<>(c.properties());
        file.put("service.pid", "org.carrier.route~" + c.properties().get("name"));
        component.configure(TypedConfig.of(RouteConfiguration.Config.class, file), file);
        if (c.refusedKey() == null) {
            assertNotNull(component.route(), "refused: " + log);
            assertEquals(List.of(), log);
        } else {
            assertNull(component.route(), c.what());
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("configuration org.carrier.route~" + c.properties().get("name") + ": " + c.refusedKey()),
                    "the line names the key " + c.refusedKey() + " first: " + log.get(0));
        }
    }
}
