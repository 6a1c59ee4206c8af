package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An independent DKIM implementation for interop tests: dkimpy, Debian's python3-dkim, run by Debian's Python
 * (installed by .ci/run). Fails, never skips, when it is missing.
 */
final class Dkimpy {
    private static final String PYTHON = "/usr/bin/python3";

    private Dkimpy() {
    }

    /** "pass" or "fail", with key records given by name. */
    static String verify(Path work, byte[] message, Map<String, String> records) throws Exception {
        Path file = Files.write(Files.createTempFile(work, "msg", ".eml"), message);
        String json = records.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": \"" + e.getValue().replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "{", "}"));
        return new String(run(work, List.of("verify", file.toString(), json)), StandardCharsets.US_ASCII);
    }

    /** The message with dkimpy's DKIM-Signature on top. */
    static byte[] sign(Path work, byte[] message, String selector, String domain, Path key, String algorithm,
                       String canonicalization) throws Exception {
        Path file = Files.write(Files.createTempFile(work, "msg", ".eml"), message);
        return run(work, List.of("sign", file.toString(), selector, domain, key.toString(), algorithm, canonicalization));
    }

    private static byte[] run(Path work, List<String> arguments) throws Exception {
        Path script = work.resolve("dkimpy.py");
        if (!Files.exists(script)) {
            try (InputStream in = Dkimpy.class.getClassLoader().getResourceAsStream("interop/dkimpy.py")) {
                Files.copy(in, script);
            }
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectError(work.resolve("dkimpy.err").toFile()).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("dkimpy did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException("dkimpy failed (is python3-dkim installed?): " + Files.readString(work.resolve("dkimpy.err")));
        }
        return out;
    }
}
