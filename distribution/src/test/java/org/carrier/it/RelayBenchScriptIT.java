package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's relay benchmark runs as an operator would start it: a smoke run ({@code --quick}, Carrier only) into a
 * {@code BENCH_WORK} folder that does not exist yet, which the script must create (it failed with "chmod: cannot
 * access" before). It asserts that the figures are printed and every message reached the sink, never a speed.
 */
class RelayBenchScriptIT {
    private static final Pattern RESULT = Pattern.compile(
            "carrier +(\\d+) x +\\d+ KB: accepted +\\d+ msg/s, end-to-end +\\d+ msg/s \\((\\d+) of (\\d+) at the sink");

    @Test
    void quickRunIntoANewWorkFolderPrintsBothWorkloads() throws Exception {
        Path parent = Files.createTempDirectory(Distribution.home().getParent(), "bench-");
        Path work = parent.resolve("not/there/yet");
        Path output = parent.resolve("bench.out");
        Path script = Path.of("src/bench/relay-bench.sh").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--quick")
                .redirectErrorStream(true).redirectOutput(output.toFile()).redirectInput(new File("/dev/null"));
        pb.environment().put("CARRIER_DIST", Distribution.home().toString());
        pb.environment().put("BENCH_WORK", work.toString());
        pb.environment().put("TMAX", "60");
        Process bench = pb.start();
        boolean finished = bench.waitFor(240, TimeUnit.SECONDS);
        if (!finished) {
            bench.destroy(); // the script's trap stops the sink and Carrier it started
            bench.waitFor(30, TimeUnit.SECONDS);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(finished, "the benchmark did not finish within 240 s:\n" + out);
        assertEquals(0, bench.exitValue(), out);
        assertTrue(Files.isDirectory(work.resolve("plain/carrier")), "the work folder was created and used (each shape works in its own folder):\n" + out);
        Matcher m = RESULT.matcher(out);
        int workloads = 0;
        while (m.find()) {
            workloads++;
            assertEquals(m.group(1), m.group(3), out);
            assertEquals(m.group(3), m.group(2), "every message reached the sink:\n" + out);
        }
        assertEquals(2, workloads, "one result line per workload:\n" + out);
        assertFalse(out.contains("WARNING"), out);
    }
}
