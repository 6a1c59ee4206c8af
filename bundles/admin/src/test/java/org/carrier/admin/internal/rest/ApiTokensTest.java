package org.carrier.admin.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {
    @TempDir
    Path dir;

    @Test
    void aTokenIsStoredOnlyAsItsHashInAPrivateFileAndSurvivesARestart() throws Exception {
        Path file = dir.resolve("data/api-tokens");
        ApiTokens tokens = new ApiTokens(file, Clock.systemUTC());
        String token = tokens.create("deploy-bot");

        assertTrue(token.matches("carrier_[A-Za-z0-9_-]{43}"), token); // 256 bits, base64url
        String stored = Files.readString(file);
        assertFalse(stored.contains(token.substring(ApiTokens.PREFIX.length())), stored);
        assertTrue(stored.contains("deploy-bot " + ApiTokens.hash(token) + " "), stored);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        ApiTokens afterRestart = new ApiTokens(file, Clock.systemUTC());
        assertEquals(Optional.of("deploy-bot"), afterRestart.verify(token));
        assertEquals(Optional.empty(), afterRestart.verify(token + "x"));
        assertEquals(Optional.empty(), afterRestart.verify(ApiTokens.hash(token)), "the stored hash is no token");
        assertEquals(Optional.empty(), afterRestart.verify(null));
    }

    @Test
    void aRevokedTokenStopsWorkingAlsoInAnotherInstanceReadingTheFile() throws Exception {
        Path file = dir.resolve("api-tokens");
        ApiTokens shell = new ApiTokens(file, Clock.systemUTC());
        ApiTokens servlet = new ApiTokens(file, Clock.systemUTC());
        String token = shell.create("ci");
        String other = shell.create("monitoring");
        assertEquals(Optional.of("ci"), servlet.verify(token));

        Thread.sleep(5); // another modification time than the first write, as the reader compares it
        assertTrue(shell.revoke("ci"));
        assertFalse(shell.revoke("ci"));
        assertEquals(Optional.empty(), servlet.verify(token));
        assertEquals(Optional.of("monitoring"), servlet.verify(other));
        assertEquals(1, servlet.list().size());
    }

    @Test
    void badOrTakenNamesAreRefused() throws Exception {
        ApiTokens tokens = new ApiTokens(dir.resolve("api-tokens"), Clock.systemUTC());
        tokens.create("a");
        assertThrows(IllegalArgumentException.class, () -> tokens.create("a"));
        assertThrows(IllegalArgumentException.class, () -> tokens.create("two words"));
        assertThrows(IllegalArgumentException.class, () -> tokens.create(""));
    }
}
