package org.carrier.admin.internal.overview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final Map<String, SettingSchema> SCHEMAS = Map.of(
            "org.carrier.queue", new SettingSchema("org.carrier.queue", false, Map.of(
                    "maxHops", new SettingSchema.Attribute("maxHops", "50", false),
                    "postmaster", new SettingSchema.Attribute("postmaster", "", false))),
            "org.carrier.dns", new SettingSchema("org.carrier.dns", false, Map.of(
                    "retries", new SettingSchema.Attribute("retries", "1", false))),
            "org.carrier.route", new SettingSchema("org.carrier.route", true, Map.of(
                    "authPassword", new SettingSchema.Attribute("authPassword", "", true),
                    "nextHops", new SettingSchema.Attribute("nextHops", "", false))));

    private static final List<Settings.Configured> CONFIGURED = List.of(
            new Settings.Configured("org.carrier.queue", null, properties("service.pid", "org.carrier.queue",
                    "felix.fileinstall.filename", "file:/x/org.carrier.queue.cfg", "maxHops", "40", "postmaster", "")),
            new Settings.Configured("org.carrier.route~relay", "org.carrier.route", properties("service.factoryPid", "org.carrier.route",
                    "authPassword", "s3cret", "nextHops", new String[] {"a.test:25", "b.test:25"}, "myToken", "t0k", "extra", "x\ny")));

    @Test
    void inForceHasEveryKeyWithItsValueOrDefaultSortedWithoutBookkeeping() {
        assertEquals(List.of(
                        "org.carrier.dns retries = 1",
                        "org.carrier.queue maxHops = 40",
                        "org.carrier.queue postmaster = ",
                        "org.carrier.route~relay authPassword = ********",
                        "org.carrier.route~relay extra = x\\ny",
                        "org.carrier.route~relay myToken = ********",
                        "org.carrier.route~relay nextHops = a.test:25, b.test:25"),
                lines(Settings.inForce(CONFIGURED, SCHEMAS)));
    }

    @Test
    void changedListsOnlyWhatDiffersFromTheDefaults() {
        assertEquals(List.of(
                        "org.carrier.queue maxHops = 40",
                        "org.carrier.route~relay authPassword = ********",
                        "org.carrier.route~relay extra = x\\ny",
                        "org.carrier.route~relay myToken = ********",
                        "org.carrier.route~relay nextHops = a.test:25, b.test:25"),
                lines(Settings.changed(CONFIGURED, SCHEMAS)));
    }

    @Test
    void defaultsCoverFactoriesUnderTheirFactoryPid() {
        assertEquals(List.of(
                        "org.carrier.dns retries = 1",
                        "org.carrier.queue maxHops = 50",
                        "org.carrier.queue postmaster = ",
                        "org.carrier.route authPassword = ",
                        "org.carrier.route nextHops = "),
                lines(Settings.defaults(SCHEMAS)));
    }

    @Test
    void secretsArePasswordTypedOrNamedLikeOne() {
        assertTrue(Settings.secret("authPassword", null));
        assertTrue(Settings.secret("apiToken", null));
        assertTrue(Settings.secret("anything", new SettingSchema.Attribute("anything", "", true)));
        assertFalse(Settings.secret("keyFile", new SettingSchema.Attribute("keyFile", "", false)), "a path to a key is not the key");
        assertEquals("", new Setting("p", "password", "", "", true, true).shownValue(), "an empty secret shows that it is empty");
    }

    @Test
    void valuesAreOneLineOfText() {
        assertEquals("1, 2", Settings.text(new int[] {1, 2}));
        assertEquals("a, b", Settings.text(List.of("a", "b")));
        assertEquals("true", Settings.text(Boolean.TRUE));
        assertEquals("c:\\\\x\\r\\n", Settings.text("c:\\x\r\n"));
    }

    private static List<String> lines(List<Setting> settings) {
        return settings.stream().map(s -> s.pid() + " " + s.key() + " = " + s.shownValue()).toList();
    }

    private static Map<String, Object> properties(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
