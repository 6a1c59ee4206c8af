package org.carrier.api.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.config.ConfigProblem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RouteSpecTest {
    static List<RouteCases.Case> cases() {
        return RouteCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachRouteOfTheTableIsAcceptedOrRefusedNamingItsKey(RouteCases.Case c) {
        if (c.refusedKey() == null) {
            assertEquals(c.properties().get("name"), RouteSpec.parse(c.properties()).name());
        } else {
            ConfigProblem e = assertThrows(ConfigProblem.class, () -> RouteSpec.parse(c.properties()));
            assertEquals(c.refusedKey(), e.key(), e.getMessage());
            assertEquals(e.getMessage(), RouteSpec.problems(c.properties()).get(0).getMessage(), "the first of its problems");
        }
    }

    @Test
    void everyBadSettingIsNamedAtOnceTheFirstInKeyOrder() {
        Map<String, Object> p = new HashMap<>(Map.of("name", "a b", "domains", "exa mple", "transport", "smtp", "port", "x",
                "tls", "sometimes"));
        List<ConfigProblem> problems = RouteSpec.problems(p);
        assertEquals(List.of("name", "domains", "port", "nextHops", "tls"), problems.stream().map(ConfigProblem::key).toList());
        assertEquals("name", assertThrows(ConfigProblem.class, () -> RouteSpec.parse(p)).key());
        assertEquals("port = \"x\": not a whole number", problems.get(2).getMessage());
        assertEquals("domains = \"exa mple\": white space inside an element (separate them with commas)", problems.get(1).getMessage());
        assertEquals(List.of(), RouteSpec.problems(Map.of("name", "a", "domains", "a.test", "transport", "mx")));
    }

    @Test
    void theDefaultsOfAnAbsentKeyAndTheNameFromThePid() {
        RouteSpec spec = RouteSpec.parse(Map.of("service.pid", "org.carrier.route~x", "domains", "x.test", "nextHops", "relay"));
        assertEquals("org.carrier.route~x", spec.name(), "an empty name is the PID");
        assertEquals(RouteSpec.Kind.SMTP, spec.kind());
        assertEquals(List.of(new NextHop("relay", 25)), spec.nextHops());
        assertEquals(TransportOptions.DEFAULT, spec.options());
        assertEquals(100, spec.order());
        assertNull(spec.refusal());
        assertEquals(24, RouteSpec.parse(Map.of("name", "l", "domains", "x.test", "transport", "lmtp", "nextHops", "h")).port());
    }

    @Test
    void anMxRouteDefaultsToDaneTheOthersToMay() {
        RouteSpec mx = RouteSpec.parse(Map.of("name", "m", "domains", "*", "transport", "mx"));
        assertEquals(TlsPolicy.DANE, mx.options().tls());
        assertEquals(TlsPolicy.MAY, RouteSpec.parse(Map.of("name", "s", "domains", "*", "nextHops", "relay.test")).options().tls());
        RouteSpec daneOnly = RouteSpec.parse(Map.of("name", "d", "domains", "*", "nextHops", "relay.test", "tls", "DANE-only"));
        assertEquals(TlsPolicy.DANE_ONLY, daneOnly.options().tls(), "an smtp route to a host name may use DANE");
        assertEquals("dane", RouteSpec.defaultTls("mx"));
        assertEquals("may", RouteSpec.defaultTls("smtp"));
        assertEquals(TlsPolicy.DANE_ONLY, TlsPolicy.parse(TlsPolicy.DANE_ONLY.configName()).orElseThrow());
    }

    @Test
    void aListAsAStringArrayIsReadAsTheCommaSeparatedText() {
        RouteSpec spec = RouteSpec.parse(Map.of("name", "a", "domains", new String[] {"A.test, b.test", "*.c.test"}, "transport", "smtp",
                "nextHops", new String[] {"h1:25", "h2:26"}, "port", 2525L, "order", 7));
        assertEquals(List.of("a.test", "b.test", "*.c.test"), spec.patterns());
        assertEquals(List.of(new NextHop("h1", 25), new NextHop("h2", 26)), spec.nextHops());
        assertEquals(2525, spec.port());
        assertEquals(7, spec.order());
    }
}
