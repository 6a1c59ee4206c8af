package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shipped rolling log appender (config/org.ops4j.pax.logging.cfg) rotates: with its size limit lowered from 32 MB
 * to 16 KB, and nothing else changed, mail traffic fills logs/carrier.log until it is rolled into carrier-1.log.gz.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogRotationIT {
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-logs-"));
        Path logging = carrier.home.resolve("config/org.ops4j.pax.logging.cfg");
        String shipped = Files.readString(logging, StandardCharsets.ISO_8859_1);
        String size = "log4j2.appender.file.policies.size.size = 32MB";
        assertTrue(shipped.contains(size), "the shipped configuration rolls at 32 MB");
        Files.writeString(logging, shipped.replace(size, "log4j2.appender.file.policies.size.size = 16KB"), StandardCharsets.ISO_8859_1);
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    void aFullLogIsRolledIntoACompressedFile() throws Exception {
        Path logs = carrier.home.resolve("logs");
        Path rolled = logs.resolve("carrier-1.log.gz");
        // each message logs a few hundred bytes (queued, delivered, removed): 16 KB take some dozens
        for (int i = 0; i < 400 && !Files.exists(rolled); i++) {
            SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message("log " + i, 100));
        }
        assertTrue(Distribution.waitFor(20, () -> Files.exists(rolled)), "no rolled log in " + list(logs));
        String old;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(rolled))) {
            old = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(old.contains(": to=<alice@localhost>, relay=maildir"), "the rolled file holds the older lines");
        assertTrue(Files.size(logs.resolve("carrier.log")) < 64 * 1024, "the current log started afresh");
    }

    private static List<String> list(Path folder) {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName() + " " + p.toFile().length()).toList();
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }
}
