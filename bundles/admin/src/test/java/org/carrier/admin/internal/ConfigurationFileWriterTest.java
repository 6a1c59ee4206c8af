package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationFileWriterTest {

    @Test
    void namesFollowFileInstallConventions() {
        assertEquals("org.carrier.queue.cfg", ConfigurationFileWriter.fileName(null, "org.carrier.queue", null));
        assertEquals("org.carrier.route-relay_test.cfg",
                ConfigurationFileWriter.fileName("org.carrier.route", "org.carrier.route.1234", "relay test"));
        assertEquals("org.carrier.route-1234_abcd.cfg",
                ConfigurationFileWriter.fileName("org.carrier.route", "org.carrier.route.1234-abcd", ""));
        assertEquals("org.carrier.route-mine.cfg",
                ConfigurationFileWriter.fileName("org.carrier.route", "org.carrier.route~mine", null));
    }

    @Test
    void writesPropertiesWithoutBookkeepingKeys(@TempDir Path dir) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("service.pid", "org.carrier.route.1");
        props.put("service.factoryPid", "org.carrier.route");
        props.put(FileInstallFilenameKeeper.FILENAME, "file:/x");
        props.put("domains", "relay.test, *.relay.test");
        props.put("order", 7);
        props.put("nextHops", new String[] {"127.0.0.1:2526", "[::1]:2526"});
        Path file = dir.resolve("org.carrier.route-r.cfg");
        ConfigurationFileWriter.write(file, props);

        Properties read = new Properties();
        try (Reader r = Files.newBufferedReader(file, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            read.load(r);
        }
        assertEquals("relay.test, *.relay.test", read.getProperty("domains"));
        assertEquals("7", read.getProperty("order"));
        assertEquals("127.0.0.1:2526, [::1]:2526", read.getProperty("nextHops"));
        assertFalse(read.containsKey("service.pid"));
        assertFalse(read.containsKey(FileInstallFilenameKeeper.FILENAME));
        assertFalse(Files.exists(dir.resolve("org.carrier.route-r.cfg.tmp")));
    }
}
