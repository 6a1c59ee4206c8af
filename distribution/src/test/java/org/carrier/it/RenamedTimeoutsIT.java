package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The filters' DNS timeouts have one name, dnsTimeoutMillis (issue 15 seam 3); files written with the names they had
 * before still work: the deployed filters read the old key as the new one (seconds as milliseconds) and say so in one
 * WARN line naming the file, the old key and the new one, however often the file changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RenamedTimeoutsIT {
    private RunningCarrier carrier;

    static Stream<Arguments> oldKeys() {
        return Stream.of(
                Arguments.of("dnsbl", "timeoutMillis", "700", "700"),
                Arguments.of("spf", "lookupTimeoutMillis", "600", "600"),
                Arguments.of("dkim", "keyLookupTimeoutSeconds", "7", "7000"),
                Arguments.of("dmarc", "dnsTimeoutSeconds", "8", "8000"));
    }

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-renamed-"));
        for (Arguments old : oldKeys().toList()) {
            String filter = (String) old.get()[0];
            carrier.configure(file(filter), old.get()[1] + " = " + old.get()[2] + "\n");
            String jar = "org.carrier.filter." + filter + ".jar";
            Files.copy(carrier.home.resolve("extras").resolve(jar), carrier.home.resolve("deploy").resolve(jar));
        }
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @ParameterizedTest(name = "{0}: {1} = {2}")
    @MethodSource("oldKeys")
    void anOldKeyIsReadAsDnsTimeoutMillisWithOneWarnLineNamingFileOldAndNewKey(String filter, String oldKey, String value,
                                                                                 String millis) throws Exception {
        Path config = carrier.home.resolve("config").resolve(file(filter));
        String expected = oldKey + " is deprecated, read as dnsTimeoutMillis = \"" + millis + "\"; rename it";
        carrier.awaitLog(expected);
        // A change of another key is read again (SCR calls the filter's modified method): still the one line.
        Files.writeString(config, oldKey + " = " + value + "\ntagHeader = X-Renamed-Test\n", StandardCharsets.ISO_8859_1);
        Thread.sleep(2500); // FileInstall polls each second
        List<String> lines = carrier.awaitLog(expected).lines().filter(l -> l.contains(expected)).toList();
        assertEquals(1, lines.size(), "one line: " + lines);
        assertTrue(lines.get(0).contains(" WARN "), lines.get(0));
        assertTrue(lines.get(0).contains("configuration org.carrier.filter." + filter + " (" + config + ")"),
                "the line names the PID and file: " + lines.get(0));
    }

    private static String file(String filter) {
        return "org.carrier.filter." + filter + ".cfg";
    }
}
