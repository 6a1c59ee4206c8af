package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.carrier.admin.internal.overview.Setting;
import org.carrier.admin.internal.overview.Settings;
import org.junit.jupiter.api.Test;

class ConfigCommandTest {
    @Test
    void optionsChooseTheView() {
        assertEquals(Settings.View.IN_FORCE, ConfigCommand.Request.parse().view());
        assertEquals(Settings.View.CHANGED, ConfigCommand.Request.parse("-n").view());
        assertEquals(Settings.View.DEFAULTS, ConfigCommand.Request.parse("-d", "org.carrier.queue").view());
        assertTrue(ConfigCommand.Request.parse("--help").help());
        assertTrue(assertThrows(CommandFailure.class, () -> ConfigCommand.Request.parse("-x")).getMessage().startsWith("unknown option -x"));
        assertTrue(assertThrows(CommandFailure.class, () -> ConfigCommand.Request.parse("-n", "-d")).getMessage().startsWith("-n and -d"));
    }

    @Test
    void pidsSelectThemselvesAndTheirFactoryConfigurations() {
        ConfigCommand.Request request = ConfigCommand.Request.parse("org.carrier.route", "org.carrier.queue");
        assertTrue(request.selects("org.carrier.route~relay"));
        assertTrue(request.selects("org.carrier.queue"));
        assertFalse(request.selects("org.carrier.router"), "a PID is not a mere string prefix");
        assertTrue(ConfigCommand.Request.parse().selects("org.carrier.router"));
    }

    @Test
    void oneLineASettingWithSecretsMasked() {
        assertEquals("org.carrier.admin.console password = ********\norg.carrier.queue maxHops = 40", ConfigCommand.text(List.of(
                new Setting("org.carrier.admin.console", "password", "pbkdf2:x", "", true, true),
                new Setting("org.carrier.queue", "maxHops", "40", "50", true, false))));
    }
}
