package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Carrier as a service on a shared host (issue 19, first part): what it writes is for its own user alone (files 0600,
 * folders 0700, whatever the umask of whoever started it), and a second start on the same home is refused at once
 * instead of taking the running instance's spool files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceFilesIT {
    private RunningCarrier carrier;

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-service-")).start();
        String reply = SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message("modes", 100));
        assertTrue(reply.startsWith("250"), reply);
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() == 1), carrier.console());
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    void mailQueueStateAndLogsAreForCarriersUserAlone() throws IOException {
        List<String> open = new ArrayList<>();
        for (Path root : List.of(carrier.home.resolve("data"), carrier.home.resolve("logs"))) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    if (Files.isSymbolicLink(p)) {
                        continue;
                    }
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                    if (!mode.endsWith("------")) {
                        open.add(carrier.home.relativize(p) + " " + mode);
                    }
                }
            }
        }
        assertEquals(List.of(), open, "readable or searchable by others than Carrier's user");
        // what the walk covered: the queue, the delivered message and the log, not an empty tree
        assertFalse(Distribution.newMail(carrier.maildir("alice")).isEmpty());
        assertTrue(Files.isDirectory(carrier.home.resolve("data/spool/queue")));
        assertTrue(Files.exists(carrier.home.resolve("logs/carrier.log")));
    }

    @Test
    void aSecondStartOnTheSameHomeExitsAtOnceAndTheFirstGoesOn() throws Exception {
        Path out = Files.createTempFile(carrier.home.getParent(), "second", ".out");
        Process second = new ProcessBuilder(carrier.home.resolve("bin/carrier").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(new File("/dev/null")).start();
        boolean exited = second.waitFor(5, TimeUnit.SECONDS);
        if (!exited) {
            second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String said = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(exited, "a second Carrier on the same home is still running after 5 s:\n" + said);
        assertEquals(75, second.exitValue(), said);
        assertTrue(said.contains("already running"), said);
        String reply = SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message("still here", 100));
        assertTrue(reply.startsWith("250"), "the first instance goes on: " + reply);
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() >= 2), carrier.console());
    }
}
