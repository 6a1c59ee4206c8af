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

    /**
     * Without bin/carrier's umask (an embedded start, another launcher, a shell's umask 022): what Carrier creates is
     * private all the same, because it gives the modes itself; and a secret others can read is one WARN naming it.
     */
    @Test
    void withoutBinCarriersUmaskMailQueueAndSecretsArePrivateAndAnOpenSecretIsNamed() throws Exception {
        RunningCarrier open = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-umask022-"));
        try {
            Path script = open.home.resolve("bin/carrier");
            String text = Files.readString(script, StandardCharsets.UTF_8);
            assertTrue(text.contains("\numask 077\n"), "bin/carrier sets umask 077");
            Files.writeString(script, text.replace("\numask 077\n", "\numask 022\n"), StandardCharsets.UTF_8);
            Path users = open.home.resolve("config/smtp-users.properties");
            Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
            open.start();
            String reply = SmtpClient.send(open.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message("umask", 100));
            assertTrue(reply.startsWith("250"), reply);
            assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(open.maildir("alice")).size() == 1), open.console());
            open.generatedPassword();
            // the self-signed certificate is made in the background, within seconds of the start
            assertTrue(Distribution.waitFor(60, () -> hasKey(open.home.resolve("data/tls"))), open.console());
            List<String> notPrivate = new ArrayList<>();
            for (String tree : List.of("data", "data/spool", "data/mailboxes", "data/tls", "data/console-password")) {
                notPrivate.addAll(notPrivate(open.home, open.home.resolve(tree)));
            }
            assertEquals(List.of(), notPrivate, "readable or searchable by others than Carrier's user, umask 022");
            String log = open.awaitLog("smtp-users.properties is open to group or others");
            assertTrue(log.lines().anyMatch(l -> l.contains(" WARN ") && l.contains("config/smtp-users.properties is open to group or "
                    + "others (rw-r--r--); it holds AUTH password hashes: chmod 600 it")), log);
            assertEquals(1, log.split("is open to group or others", -1).length - 1, "one line, for the one open secret: " + log);
        } finally {
            open.close();
        }
    }

    private static boolean hasKey(Path folder) {
        try (Stream<Path> files = Files.isDirectory(folder) ? Files.list(folder) : Stream.empty()) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".key"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The archive an administrator unpacks ships the password files 0600. */
    @Test
    void theArchiveShipsItsSecretsForItsOwnerAlone() throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(Distribution.home().getParent())) {
            archive = files.filter(p -> p.getFileName().toString().matches("carrier-.*\\.tar\\.gz")).findFirst().orElseThrow();
        }
        Process tar = new ProcessBuilder("tar", "-tvzf", archive.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, listing);
        for (String secret : List.of("config/smtp-users.properties", "config/org.carrier.admin.console.cfg")) {
            String line = listing.lines().filter(l -> l.endsWith("/" + secret)).findFirst().orElseThrow(() -> new AssertionError(secret + " not in " + archive));
            assertTrue(line.startsWith("-rw------- "), line);
        }
        assertTrue(listing.lines().anyMatch(l -> l.endsWith("/config/org.carrier.queue.cfg") && l.startsWith("-rw-r--r-- ")),
                "other configuration stays readable: " + listing);
    }

    /** What under {@code path} (itself only, for data/: Felix's cache of bundle jars is the framework's) others may open. */
    private static List<String> notPrivate(Path home, Path path) throws IOException {
        List<String> open = new ArrayList<>();
        boolean whole = Files.isDirectory(path) && !path.equals(home.resolve("data"));
        try (Stream<Path> all = whole ? Files.walk(path) : Stream.of(path)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (!mode.endsWith("------")) {
                    open.add(home.relativize(p) + " " + mode);
                }
            }
        }
        return open;
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
