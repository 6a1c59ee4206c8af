package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.route.RouteCases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The api's table of good and bad routes, each typed into the Routes page's form (the settings the form has no field
 * for, AUTH and the reject reply, as the route's other settings): the console accepts what the router uses and refuses
 * the rest, naming the same key (the router is fed the same table).
 */
class RouteRulesTest {
    static List<RouteCases.Case> cases() {
        return RouteCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theConsoleAcceptsAndRefusesTheRoutesOfTheSharedTable(RouteCases.Case c) {
        Map<String, Object> kept = new HashMap<>(c.properties());
        kept.keySet().removeAll(RouteForm.FIELDS);
        if (c.refusedKey() == null) {
            RouteForm form = RouteForm.parse(c.properties()::get, kept);
            assertEquals(c.properties().get("name"), form.name());
        } else {
            RouteForm.Invalid e = assertThrows(RouteForm.Invalid.class, () -> RouteForm.parse(c.properties()::get, kept));
            assertTrue(e.problems().containsKey(c.refusedKey()), e.getMessage());
            assertTrue(e.getMessage().startsWith("the route was not saved: " + c.refusedKey() + ": "), e.getMessage());
        }
    }
}
