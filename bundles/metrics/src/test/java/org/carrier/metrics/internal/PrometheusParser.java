package org.carrier.metrics.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Prometheus project's own text-format parser (Debian's python3-prometheus-client, run by Debian's Python,
 * installed by .ci/run): what it reads out of an exposition. Fails, never skips, when it is missing.
 *
 * @param families family name to type (the parser names a counter family without its {@code _total})
 * @param samples  {@code name{"label":"value",...}} (labels as sorted JSON) to value
 */
public record PrometheusParser(Map<String, String> families, Map<String, Double> samples) {
    private static final String PYTHON = "/usr/bin/python3";

    public static PrometheusParser parse(String exposition, Path work) throws IOException, InterruptedException {
        Path script = work.resolve("prometheus_parse.py");
        try (InputStream in = PrometheusParser.class.getClassLoader().getResourceAsStream("prometheus_parse.py")) {
            Files.copy(in, script);
        }
        Path errors = work.resolve("parser.err");
        Process process = new ProcessBuilder(PYTHON, script.toString()).redirectError(errors.toFile()).start();
        process.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("the parser did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException("the Prometheus parser refused the text (is python3-prometheus-client installed?): "
                    + Files.readString(errors) + "\n" + exposition);
        }
        Map<String, String> families = new LinkedHashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] parts = line.split(" ", 4);
            if (parts[0].equals("family")) {
                families.put(parts[1], parts[2]);
            } else if (parts[0].equals("sample")) {
                int value = line.lastIndexOf(' ');
                samples.put(line.substring("sample ".length(), value), Double.parseDouble(line.substring(value + 1)));
            }
        }
        return new PrometheusParser(families, samples);
    }
}
