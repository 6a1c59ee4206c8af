package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** bin/carrier-passwd of the assembled distribution, run as an administrator would, with its bundle/ folder as classpath. */
class CarrierPasswdIT {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String stdin, String... args) throws Exception {
        Path home = Distribution.home();
        List<String> command = new ArrayList<>(List.of("bash", home.resolve("bin/carrier-passwd").toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(home.getParent(), "passwd-", ".err");
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("carrier-passwd did not finish in 60 s");
        }
        String error = Files.readString(err);
        Files.delete(err);
        return new Result(process.exitValue(), out, error);
    }

    @Test
    void printsAUsersFileLineForEachKindOfHash() throws Exception {
        Result bcrypt = run("s3cret\n", "--cost", "4", "alice@example.org");
        assertEquals(0, bcrypt.exit(), bcrypt.err());
        assertTrue(bcrypt.out().matches("alice@example\\.org = \\{bcrypt}\\$2y\\$04\\$[./A-Za-z0-9]{53}\\n"), bcrypt.out());

        Result argon = run("s3cret\n", "--argon2id", "bob");
        assertEquals(0, argon.exit(), argon.err());
        assertTrue(argon.out().startsWith("bob = {argon2id}$argon2id$v=19$m=19456,t=2,p=1$"), argon.out());

        Result scram = run("s3cret\n", "--scram-sha-256", "carol");
        assertEquals(0, scram.exit(), scram.err());
        assertTrue(scram.out().startsWith("carol = {scram-sha-256}50000,"), scram.out());
    }

    @Test
    void refusesAnEmptyPasswordAndBadUsage() throws Exception {
        Result empty = run("\n", "alice");
        assertEquals(1, empty.exit());
        assertTrue(empty.err().contains("empty password refused"), empty.err());
        assertEquals("", empty.out());

        Result usage = run("pw\n");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("usage: carrier-passwd"), usage.err());
    }

    @Test
    void theDistributionShipsAnEmptyUsersFile() throws Exception {
        Path users = Distribution.home().resolve("config/smtp-users.properties");
        assertTrue(Files.exists(users), "config/smtp-users.properties is missing");
        assertTrue(Files.readAllLines(users).stream().allMatch(line -> line.isBlank() || line.startsWith("#")),
                "the shipped users file defines no user");
    }
}
