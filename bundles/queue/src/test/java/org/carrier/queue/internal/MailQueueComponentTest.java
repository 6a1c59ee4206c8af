package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

/** The component's start-up as SCR drives it, with a configuration a real administrator could write. */
class MailQueueComponentTest {
    @TempDir
    Path dir;

    /**
     * A bad value elsewhere in the file refuses the settings (the defaults run), but the spool stays where it is
     * configured: a default spool would be empty, and the mail accepted into it is lost once the file is fixed.
     */
    @Test
    void aRefusedConfigurationAtStartUpKeepsTheConfiguredSpoolDirectory() throws Exception {
        Path spool = dir.resolve("configured-spool");
        Map<String, Object> properties = Map.of("spoolDirectory", spool.toString(), "retryDelays", "banana");
        MailQueueComponent component = new MailQueueComponent();
        component.activate(TypedConfig.of(MailQueueComponent.Config.class, properties), dataDirectory(dir.resolve("data")),
                properties);
        try {
            assertTrue(Files.isDirectory(spool.resolve("queue")), "the configured spool is used");
            assertFalse(Files.exists(dir.resolve("data")), "no spool in the data directory");
        } finally {
            component.deactivate();
        }
    }

    private static BundleContext dataDirectory(Path data) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> method.getName().equals("getProperty") && "carrier.data.dir".equals(args[0])
                        ? data.toString() : null);
    }
}
