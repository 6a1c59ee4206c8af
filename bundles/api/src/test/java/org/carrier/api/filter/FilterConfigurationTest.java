package org.carrier.api.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.TypedConfig;
import org.junit.jupiter.api.Test;

public class FilterConfigurationTest {
    public @interface Config {
        String zones() default "";

        String tagHeader() default "X-Carrier-Policy";
    }

    private record Settings(List<String> zones, String tagHeader) {
    }

    private final List<String> lines = new ArrayList<>();
    private final List<Settings> changes = new ArrayList<>();
    private final FilterConfiguration<Config, Settings> configuration =
            new FilterConfiguration<>(Config.class, "org.carrier.filter.test", "the test filter", lines::add);

    private Settings apply(Map<String, Object> properties) {
        return configuration.apply(TypedConfig.of(Config.class, properties), properties, this::parse, changes::add);
    }

    private Settings parse(Config config) {
        return new Settings(ConfigLists.domains("zones", config.zones()), configuration.tagHeader(config.tagHeader(), Settings::tagHeader));
    }

    @Test
    void theSettingsInForceAreWhatTheLastGoodConfigurationMade() {
        assertNull(configuration.settings());
        Settings good = apply(Map.of("zones", "a.example"));
        assertSame(good, configuration.settings());
        assertEquals(List.of(good), changes);

        Settings kept = apply(Map.of("zones", "bad..example"));
        assertSame(good, kept);
        assertSame(good, configuration.settings());
        assertEquals(List.of(good), changes, "a refused configuration changes nothing");
        assertEquals(1, lines.size());
        assertEquals(true, lines.get(0).endsWith(": zones = \"bad..example\": not a domain; the test filter keeps its last good settings"), lines.get(0));
    }

    @Test
    void aBadTagHeaderKeepsTheNameInForceAndTheOtherSettingsApply() {
        apply(Map.of("zones", "a.example", "tagHeader", "X-Test"));
        Settings next = apply(Map.of("zones", "b.example", "tagHeader", "X Test"));
        assertEquals(new Settings(List.of("b.example"), "X-Test"), next);
        assertEquals(1, lines.size());
        assertEquals(true, lines.get(0).startsWith("configuration org.carrier.filter.test: tagHeader"), lines.get(0));
        assertEquals(true, lines.get(0).endsWith("; tagging with X-Test"), lines.get(0));
    }

    @Test
    void theTagHeadersProblemLineNamesTheFileAsEveryConfigurationLineDoes() {
        apply(Map.of("service.pid", "org.carrier.filter.test", "felix.fileinstall.filename", "file:/srv/carrier/config/org.carrier.filter.test.cfg",
                "tagHeader", "X Test"));
        assertEquals(1, lines.size());
        assertEquals(true, lines.get(0).startsWith(
                "configuration org.carrier.filter.test (/srv/carrier/config/org.carrier.filter.test.cfg): tagHeader"), lines.get(0));
    }

    @Test
    void aBadTagHeaderAtTheFirstConfigurationTagsWithTheDefault() {
        assertEquals(FilterSettings.DEFAULT_TAG_HEADER, apply(Map.of("tagHeader", "X:")).tagHeader());
    }
}
