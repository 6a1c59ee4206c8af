package org.carrier.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RenamedKeyTest {
    @interface Config {
        int dnsTimeoutMillis() default 5000;

        int retries() default 1;
    }

    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final ConfigGuard<Config, String> guard = new ConfigGuard<Config, String>(Config.class, "the test filter", errors::add)
            .renamed(warnings::add, RenamedKey.secondsToMillis("dnsTimeoutSeconds", "dnsTimeoutMillis"),
                    RenamedKey.of("timeoutMillis", "dnsTimeoutMillis"));

    private static Map<String, Object> file(Object... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.pid", "org.carrier.filter.test");
        properties.put("felix.fileinstall.filename", "file:/opt/carrier/config/org.carrier.filter.test.cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put((String) keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    private String apply(Map<String, Object> properties) {
        return guard.apply(TypedConfig.of(Config.class, properties), properties, c -> c.dnsTimeoutMillis() + "/" + c.retries());
    }

    @Test
    void anOldKeyInSecondsIsReadAsTheNewKeyInMillisWithOneWarningNamingFileOldAndNewKey() {
        assertEquals("7000/2", apply(file("dnsTimeoutSeconds", "7", "retries", "2")));
        assertEquals("7000/3", apply(file("dnsTimeoutSeconds", "7", "retries", "3")));
        assertEquals(List.of("configuration org.carrier.filter.test (/opt/carrier/config/org.carrier.filter.test.cfg): "
                + "dnsTimeoutSeconds is deprecated, read as dnsTimeoutMillis = \"7000\"; rename it"), warnings);
        assertEquals(List.of(), errors);
    }

    @Test
    void anOldKeyOfTheSameUnitKeepsItsValueAsGivenEvenANumberFromTheConsole() {
        assertEquals("800/1", apply(file("timeoutMillis", 800L)));
        assertEquals(1, warnings.size());
        assertEquals(List.of(), errors);
    }

    @Test
    void theNewKeyWinsOverTheOldOneWhichIsNamedAsIgnored() {
        assertEquals("900/1", apply(file("dnsTimeoutMillis", "900", "dnsTimeoutSeconds", "7")));
        assertEquals(List.of("configuration org.carrier.filter.test (/opt/carrier/config/org.carrier.filter.test.cfg): "
                + "dnsTimeoutSeconds is deprecated and ignored, as dnsTimeoutMillis is set too; remove dnsTimeoutSeconds"), warnings);
    }

    @Test
    void theNewKeyAtItsDefaultAsScrAddsItFromTheComponentDescriptionDoesNotHideTheOldOne() {
        assertEquals("7000/1", apply(file("dnsTimeoutMillis", 5000, "dnsTimeoutSeconds", "7")));
        assertEquals(List.of("configuration org.carrier.filter.test (/opt/carrier/config/org.carrier.filter.test.cfg): "
                + "dnsTimeoutSeconds is deprecated, read as dnsTimeoutMillis = \"7000\"; rename it"), warnings);
    }

    @Test
    void aBadOldValueIsRefusedNamingTheOldKey() {
        assertEquals("3000/1", apply(file("dnsTimeoutMillis", "3000")));
        assertEquals("3000/1", apply(file("dnsTimeoutSeconds", "soon")));
        assertEquals(List.of("configuration org.carrier.filter.test (/opt/carrier/config/org.carrier.filter.test.cfg): "
                + "dnsTimeoutSeconds = \"soon\": not a whole number; the test filter keeps its last good settings"), errors);
    }

    @Test
    void withoutAnOldKeyNothingIsLogged() {
        assertEquals("5000/1", apply(file("retries", "1")));
        assertEquals(List.of(), warnings);
    }
}
