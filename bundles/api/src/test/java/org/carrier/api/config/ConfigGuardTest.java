package org.carrier.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigGuardTest {
    @interface Config {
        int timeoutMillis() default 3000;

        String servers() default "";

        long max_size() default 10;

        String domains();
    }

    static Config scrConfig(Map<String, Object> properties) {
        return TypedConfig.of(Config.class, properties);
    }

    private static Map<String, Object> file(String... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.pid", "org.carrier.test");
        properties.put("felix.fileinstall.filename", "file:/opt/carrier/config/org.carrier.test.cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    private static String settings(Config c) {
        ConfigProblem.atLeast("timeoutMillis", c.timeoutMillis(), 1);
        if (c.domains() == null) {
            throw new ConfigProblem("domains", null, "required");
        }
        return c.timeoutMillis() + "/" + ConfigLists.domains("domains", c.domains()) + "/" + c.max_size();
    }

    @Test
    void aValueThatDoesNotConvertIsOneLineNamingFileKeyValueAndTheLastGoodSettingsStay() {
        List<String> log = new ArrayList<>();
        ConfigGuard<Config, String> guard = new ConfigGuard<>(Config.class, "the test component", log::add);
        Map<String, Object> good = file("timeoutMillis", "500", "domains", "example.com");
        assertEquals("500/[example.com]/10", guard.apply(scrConfig(good), good, ConfigGuardTest::settings));
        Map<String, Object> bad = file("timeoutMillis", "banana", "domains", "example.org");
        assertEquals("500/[example.com]/10", guard.apply(scrConfig(bad), bad, ConfigGuardTest::settings));
        assertEquals(List.of("configuration org.carrier.test (/opt/carrier/config/org.carrier.test.cfg): "
                + "timeoutMillis = \"banana\": not a whole number; the test component keeps its last good settings"), log);
        assertEquals("500/[example.com]/10", guard.inForce());
    }

    @Test
    void aRefusedFirstConfigurationRunsWithTheDefaultsOrNothing() {
        List<String> log = new ArrayList<>();
        ConfigGuard<Config, String> guard = new ConfigGuard<>(Config.class, "the test component", log::add);
        Map<String, Object> bad = file("timeoutMillis", "0", "domains", "example.com");
        // the defaults have no domains: the component has no settings
        assertNull(guard.apply(scrConfig(bad), bad, ConfigGuardTest::settings));
        assertEquals(List.of("configuration org.carrier.test (/opt/carrier/config/org.carrier.test.cfg): "
                + "timeoutMillis = \"0\": must be positive; the test component is not used until it is fixed"), log);

        ConfigGuard<Config, String> withDefaults = new ConfigGuard<>(Config.class, "it", log::add);
        Map<String, Object> badSize = file("max.size", "ten");
        assertEquals("3000/[]/10", withDefaults.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/"
                + ConfigLists.domains("domains", c.domains()) + "/" + c.max_size()));
        assertEquals("configuration org.carrier.test (/opt/carrier/config/org.carrier.test.cfg): "
                + "max.size = \"ten\": not a whole number; it runs with its defaults until it is fixed", log.get(1));
    }

    @Test
    void aSecondRefusedConfigurationBeforeAnyGoodOneSaysWhatIsStillInForce() {
        List<String> log = new ArrayList<>();
        ConfigGuard<Config, String> route = new ConfigGuard<>(Config.class, "the route", log::add);
        Map<String, Object> bad = file("timeoutMillis", "0", "domains", "example.com");
        assertNull(route.apply(scrConfig(bad), bad, ConfigGuardTest::settings));
        assertNull(route.apply(scrConfig(bad), bad, ConfigGuardTest::settings));
        assertEquals(log.get(0), log.get(1), "still not used: there are no last good settings to keep");

        ConfigGuard<Config, String> withDefaults = new ConfigGuard<>(Config.class, "it", log::add);
        Map<String, Object> badSize = file("max.size", "ten");
        withDefaults.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/" + c.max_size());
        assertEquals("3000/10", withDefaults.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/" + c.max_size()));
        assertTrue(log.get(3).endsWith("; it runs with its defaults until it is fixed"), log.get(3));

        ConfigGuard<Config, String> greylist = new ConfigGuard<Config, String>(Config.class, "the greylist", log::add)
                .whenFirstRefused("inert", "greylists nobody until it is fixed");
        greylist.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/" + c.max_size());
        assertEquals("inert", greylist.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/" + c.max_size()));
        assertTrue(log.get(5).endsWith("; the greylist greylists nobody until it is fixed"), log.get(5));

        Map<String, Object> good = file("timeoutMillis", "500");
        assertEquals("500/10", greylist.apply(scrConfig(good), good, c -> c.timeoutMillis() + "/" + c.max_size()));
        assertEquals("500/10", greylist.apply(scrConfig(badSize), badSize, c -> c.timeoutMillis() + "/" + c.max_size()));
        assertTrue(log.get(6).endsWith("; the greylist keeps its last good settings"), log.get(6));
    }

    /** Two components on one PID: the one that reads only some keys neither refuses nor logs a bad value of another. */
    @Test
    void aGuardThatReadsOnlySomeKeysIgnoresABadValueOfAnother() {
        List<String> log = new ArrayList<>();
        ConfigGuard<Config, String> guard = new ConfigGuard<Config, String>(Config.class, "the signer", log::add)
                .readsOnly("domains", "max.size");
        Map<String, Object> p = file("timeoutMillis", "banana", "domains", "example.com", "max.size", "7");
        assertEquals("example.com/7/3000", guard.apply(scrConfig(p), p, c -> c.domains() + "/" + c.max_size() + "/" + c.timeoutMillis()));
        assertEquals(List.of(), log, "the owner of timeoutMillis logs it");
        p.put("max.size", "ten");
        assertEquals("example.com/7/3000", guard.apply(scrConfig(p), p, c -> c.domains() + "/" + c.max_size() + "/" + c.timeoutMillis()));
        assertTrue(log.get(0).contains(": max.size = \"ten\""), log.get(0));
        assertThrows(IllegalArgumentException.class, () -> new ConfigGuard<>(Config.class, "x", log::add).readsOnly("max_size"),
                "a key, not a method name: a typo would silently read nothing");
    }

    @Test
    void aReadConfigurationNeverThrowsLater() {
        Map<String, Object> p = file("timeoutMillis", "7", "domains", "a.example");
        Config read = TypedConfig.read(Config.class, scrConfig(p), p);
        p.put("timeoutMillis", "banana");
        assertEquals(7, read.timeoutMillis());
        assertEquals("a.example", read.domains());
        assertEquals(3000, TypedConfig.defaults(Config.class).timeoutMillis());
        assertNull(TypedConfig.defaults(Config.class).domains());
        p.put("max.size", "ten");
        ConfigProblem e = assertThrows(ConfigProblem.class, () -> TypedConfig.read(Config.class, scrConfig(p), p));
        assertEquals("max.size", e.key(), "of two bad values, the first by name");
        p.remove("max.size");
        e = assertThrows(ConfigProblem.class, () -> TypedConfig.read(Config.class, scrConfig(p), p));
        assertEquals("timeoutMillis", e.key());
        assertEquals("banana", e.value());
    }

    @Test
    void theSourceIsThePidAndTheFileWhenThereIsOne() {
        assertEquals("configuration org.carrier.dns", TypedConfig.source(Map.of("service.pid", "org.carrier.dns")));
        assertEquals("configuration org.carrier.test (/opt/carrier/config/org.carrier.test.cfg)", TypedConfig.source(file()));
    }
}
