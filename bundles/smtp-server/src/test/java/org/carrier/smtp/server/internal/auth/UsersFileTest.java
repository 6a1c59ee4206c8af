package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import org.carrier.api.auth.PasswordHash;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {
    /** Made by libxcrypt (Python's crypt module on Debian) for "correct horse", as api's PasswordHashTest has it. */
    private static final String LIBXCRYPT_BCRYPT = "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2";
    private static String alice;
    private static String bob;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private int version;

    @BeforeAll
    static void hashes() {
        alice = PasswordHash.bcrypt(utf8("alice-pw"), 4);
        bob = PasswordHash.argon2id(utf8("bob-pw"), 64, 1, 1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the file with a distinct modification time, as an editor saving it a little later would. */
    private Path write(String content) throws Exception {
        Path file = dir.resolve("smtp-users.properties");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(++version)));
        return file;
    }

    private UsersFile users(Path file) {
        return new UsersFile(file, Duration.ofSeconds(2), clock);
    }

    @Test
    void checksPasswordsOfTheUsersInTheFile() throws Exception {
        UsersFile users = users(write("# SMTP AUTH users\n\nalice@example.org = " + alice + "\nbob: " + bob + "\n"
                + "jürgen " + LIBXCRYPT_BCRYPT + "\n"));
        assertEquals(3, users.size());
        assertTrue(users.check("alice@example.org", utf8("alice-pw")));
        assertFalse(users.check("alice@example.org", utf8("bob-pw")));
        assertTrue(users.check("bob", utf8("bob-pw")));
        assertTrue(users.check("jürgen", utf8("correct horse")), "UTF-8 names and htpasswd-style lines");
        assertFalse(users.check("Alice@example.org", utf8("alice-pw")), "names are exact");
        assertFalse(users.check("nobody", utf8("alice-pw")));
        assertTrue(users.problem().isEmpty());
    }

    @Test
    void aChangedFileIsReloadedAfterTheCheckInterval() throws Exception {
        Path file = write("alice = " + alice + "\n");
        UsersFile users = users(file);
        assertFalse(users.contains("bob"));

        write("alice = " + alice + "\nbob = " + bob + "\n");
        assertFalse(users.contains("bob"), "not looked at again before the interval");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.contains("bob"));
        assertTrue(users.check("bob", utf8("bob-pw")));

        write("bob = " + bob + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertFalse(users.check("alice", utf8("alice-pw")), "a removed user is gone");
        assertEquals(1, users.size());
    }

    @Test
    void aBrokenFileKeepsTheLastGoodTableAndNamesFileAndLine() throws Exception {
        Path file = write("alice = " + alice + "\n");
        UsersFile users = users(file);

        write("alice = " + alice + "\n# a comment\nbob = secret\n");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.check("alice", utf8("alice-pw")), "the last good table stays in force");
        assertFalse(users.contains("bob"));
        assertEquals(file + ":3: user bob: not a password hash: expected {bcrypt}$2y$..., {argon2id}$argon2id$... or {scram-sha-256}... (make one with bin/carrier-passwd)",
                users.problem().orElseThrow());

        write("alice = " + alice + "\nbob = " + bob + "\nalice = " + bob + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(file + ":3: \"alice\" is already defined on line 1", users.problem().orElseThrow());

        write("alice = " + alice + "\n = " + bob + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(file + ":2: no key before the separator", users.problem().orElseThrow());

        write("alice\n");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(file + ":1: no password hash for user alice", users.problem().orElseThrow());
        assertTrue(users.check("alice", utf8("alice-pw")));

        write("bob = " + bob + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.problem().isEmpty(), "a repaired file is taken");
        assertTrue(users.check("bob", utf8("bob-pw")));
        assertFalse(users.contains("alice"));
    }

    @Test
    void aFileThatIsNotUtf8IsRefused() throws Exception {
        Path file = write("alice = " + alice + "\n");
        UsersFile users = users(file);
        Files.write(file, ("alice = " + alice + "\nj\u00fcrgen = " + bob + "\n").getBytes(StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2027-01-01T00:00:00Z")));
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.problem().orElseThrow().startsWith(file + ":2: not UTF-8"), users.problem().orElseThrow());
        assertTrue(users.check("alice", utf8("alice-pw")));
    }

    @Test
    void aBrokenFirstFileMeansNoUsersUntilItIsRepaired() throws Exception {
        Path file = write("alice = {bcrypt}$2y$12$tooShort\n");
        UsersFile users = users(file);
        assertEquals(0, users.size());
        assertTrue(users.problem().orElseThrow().startsWith(file + ":1: user alice: "));
        write("alice = " + alice + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.check("alice", utf8("alice-pw")));
    }

    @Test
    void aMissingFileMeansNoUsersAndIsPickedUpWhenCreated() throws Exception {
        Path file = dir.resolve("smtp-users.properties");
        UsersFile users = users(file);
        assertEquals(0, users.size());
        assertFalse(users.check("alice", utf8("alice-pw")));
        write("alice = " + alice + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(users.check("alice", utf8("alice-pw")));
        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0, users.size(), "a deleted file removes every user");
    }
}
