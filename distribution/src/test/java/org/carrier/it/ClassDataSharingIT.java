package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, a faster start: with CARRIER_CDS=on (on JDK 17, the tests' JVM) the first start writes a class data
 * archive into data/ when it stops, and the next start maps it (the JVM's memory maps name the file); off maps none,
 * and a value that is none of auto, on, off is one line on the console and Carrier starts without an archive.
 */
class ClassDataSharingIT {
    @TempDir
    Path folder;

    @Test
    void theFirstStopWritesTheArchiveAndTheNextStartMapsIt() throws Exception {
        try (RunningCarrier carrier = new RunningCarrier(folder)) {
            carrier.start(Map.of("CARRIER_CDS", "on"));
            assertEquals(List.of(), mappedArchives(carrier), "no archive of ours before the first stop");
            carrier.stop();
            List<Path> archives = archives(carrier.home.resolve("data"));
            assertEquals(1, archives.size(), "one archive written at the stop: " + archives);
            assertTrue(Files.size(archives.get(0)) > 1_000_000, archives + " holds the classes of a start");

            carrier.start(Map.of("CARRIER_CDS", "on"));
            assertEquals(List.of(archives.get(0).getFileName().toString()), mappedArchives(carrier));
            assertTrue(!carrier.console().contains("[cds]"), "no CDS warnings on the console:\n" + carrier.console());
            carrier.stop();

            carrier.start(Map.of("CARRIER_CDS", "off"));
            assertEquals(List.of(), mappedArchives(carrier), "off: no archive");
            carrier.stop();

            carrier.start(Map.of("CARRIER_CDS", "sometimes"));
            assertEquals(List.of(), mappedArchives(carrier));
            assertEquals(1, carrier.console().lines()
                    .filter(l -> l.equals("CARRIER_CDS=sometimes: expected auto, on or off; starting without a class data archive"))
                    .count(), carrier.console());
        }
    }

    private static List<Path> archives(Path data) throws Exception {
        try (Stream<Path> files = Files.list(data)) {
            return files.filter(f -> f.getFileName().toString().matches("carrier-jdk.*\\.jsa")).toList();
        }
    }

    /** The file names of Carrier's own archives (data/carrier-jdk*.jsa) the JVM has mapped. */
    private static List<String> mappedArchives(RunningCarrier carrier) throws Exception {
        try (Stream<String> maps = Files.lines(Path.of("/proc/" + carrier.pid() + "/maps"))) {
            return maps.filter(l -> l.contains("/data/carrier-jdk") && l.endsWith(".jsa"))
                    .map(l -> Path.of(l.substring(l.indexOf('/'))).getFileName().toString()).distinct().toList();
        }
    }
}
