package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    @Test
    void hashMatchesOnlyItsPassword() {
        String stored = PasswordHash.hash("s3cret");
        assertTrue(PasswordHash.isHashed(stored));
        assertTrue(PasswordHash.matches("s3cret", stored));
        assertFalse(PasswordHash.matches("s3cret ", stored));
        assertFalse(PasswordHash.matches("admin", stored));
        assertNotEquals(stored, PasswordHash.hash("s3cret"), "salted: two hashes of one password differ");
    }

    @Test
    void clearOrMalformedStoredValuesMatchNothing() {
        assertFalse(PasswordHash.matches("admin", "admin"));
        assertFalse(PasswordHash.matches("admin", "{pbkdf2}x:y"));
        assertFalse(PasswordHash.matches("admin", "{pbkdf2}1:!!:!!"));
    }

    @Test
    void basicCredentialsAreDecoded() {
        String header = "Basic " + Base64.getEncoder().encodeToString("admin:pa:ss".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new String[] {"admin", "pa:ss"}, PasswordHash.basicCredentials(header));
        assertNull(PasswordHash.basicCredentials("Bearer abc"));
        assertNull(PasswordHash.basicCredentials("Basic !!!"));
        assertNull(PasswordHash.basicCredentials(null));
    }

    @Test
    void randomPasswordsDiffer() {
        assertNotEquals(PasswordHash.randomPassword(), PasswordHash.randomPassword());
    }
}
