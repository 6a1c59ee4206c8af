package org.carrier.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The one scheme: each form it writes verifies, and the stored forms of both former schemes still do. */
class PasswordHashTest {
    /** Made by libxcrypt (Python's crypt module on Debian) for "correct horse": another implementation's output. */
    public static final String LIBXCRYPT_BCRYPT = "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2";

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bcryptVerifiesTheRightPasswordAndRefusesOthers() {
        String hash = PasswordHash.bcrypt(utf8("s3cret päss"), 4);
        assertTrue(hash.matches("\\{bcrypt}\\$2y\\$04\\$[./A-Za-z0-9]{53}"), hash);
        assertTrue(PasswordHash.matches(hash, utf8("s3cret päss")));
        assertFalse(PasswordHash.matches(hash, utf8("s3cret pass")));
        assertFalse(PasswordHash.matches(hash, utf8("")));
        assertNotEquals(hash, PasswordHash.bcrypt(utf8("s3cret päss"), 4), "a fresh salt each time");
    }

    @Test
    void theDefaultCostIsTen() {
        String hash = PasswordHash.bcrypt(utf8("pw"));
        assertTrue(hash.startsWith("{bcrypt}$2y$10$"), hash);
        assertTrue(PasswordHash.matches(hash, utf8("pw")));
    }

    @Test
    void acceptsHashesMadeByOtherTools() {
        assertNull(PasswordHash.problem(LIBXCRYPT_BCRYPT));
        assertTrue(PasswordHash.matches(LIBXCRYPT_BCRYPT, utf8("correct horse")));
        assertTrue(PasswordHash.matches("{bcrypt}" + LIBXCRYPT_BCRYPT, utf8("correct horse")));
        assertFalse(PasswordHash.matches(LIBXCRYPT_BCRYPT, utf8("correct horsE")));
    }

    @Test
    void argon2idVerifiesTheRightPasswordAndRefusesOthers() {
        String hash = PasswordHash.argon2id(utf8("hunter2"), 64, 1, 1);
        assertTrue(hash.startsWith("{argon2id}$argon2id$v=19$m=64,t=1,p=1$"), hash);
        assertTrue(PasswordHash.matches(hash, utf8("hunter2")));
        assertFalse(PasswordHash.matches(hash, utf8("hunter3")));
        String standard = PasswordHash.argon2id(utf8("hunter2"));
        assertTrue(standard.startsWith("{argon2id}$argon2id$v=19$m=19456,t=2,p=1$"), standard);
        assertTrue(PasswordHash.matches(standard, utf8("hunter2")));
    }

    @Test
    void argon2idAgreesWithTheReferenceImplementation() {
        // The PHC reference implementation's test vector (phc-winner-argon2 test.c): "password", salt "somesalt".
        String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertNull(PasswordHash.problem(reference));
        assertTrue(PasswordHash.matches(reference, utf8("password")));
        assertFalse(PasswordHash.matches(reference, utf8("passwore")));
    }

    @Test
    void unusableHashesAreExplainedAndNeverMatch() {
        assertTrue(PasswordHash.problem("secret").startsWith("not a password hash"));
        assertTrue(PasswordHash.problem("{plain}secret").startsWith("not a password hash"));
        assertTrue(PasswordHash.problem("$2y$12$short").startsWith("not a password hash"));
        assertEquals("bcrypt cost 3 is outside 4 to 31",
                PasswordHash.problem(LIBXCRYPT_BCRYPT.replace("$05$", "$03$")));
        assertTrue(PasswordHash.problem("$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("not an Argon2id hash"));
        assertTrue(PasswordHash.problem("$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("outside 8 KiB to 4 GiB"));
        assertTrue(PasswordHash.problem("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQxy$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("not valid base64"));
        assertFalse(PasswordHash.matches("secret", utf8("secret")), "a clear password in the table never matches");
    }

    /** Stored by the web console before the two schemes became one (its own PBKDF2 code, javax.crypto). */
    static final String CONSOLE_PBKDF2 = "{pbkdf2}210000:hcGdL30AhuDmNWl+CJVnSw==:Uqo6LQ0E0/JL91RwDriJolnR3dHMO2EtHaYQUsT5xns=";
    static final String CONSOLE_PBKDF2_NON_ASCII = "{pbkdf2}210000:RoELQOYpJQeh8OyBLzkHXQ==:vTJadeMgRf2ywdzNvc47IGNWzN7FFUcG8LPTtTQlb2s=";

    @Test
    void theWebConsolesStoredHashesStillVerify() {
        assertTrue(PasswordHash.isHashed(CONSOLE_PBKDF2));
        assertNull(PasswordHash.problem(CONSOLE_PBKDF2));
        assertTrue(PasswordHash.matches(CONSOLE_PBKDF2, utf8("right password")));
        assertFalse(PasswordHash.matches(CONSOLE_PBKDF2, utf8("right passwort")));
        assertTrue(PasswordHash.matches(CONSOLE_PBKDF2_NON_ASCII, utf8("grüße, Jürgen")), "UTF-8, as javax.crypto encoded it");
    }

    @Test
    void theUsersTablesStoredHashesStillVerify() {
        // made by bin/carrier-passwd before the two schemes became one
        String bcrypt = "{bcrypt}$2y$04$e28JlEqABqFHi1vN9mE2AeBi4cwXDVXmTpqcmBBiqFvBE.6PudWhm";
        String argon2id = "{argon2id}$argon2id$v=19$m=64,t=1,p=1$GEBlJaodsw05W8YO+4mlUw$LUXf5g2e6M0d1l7QWqRBUsH1N2DSKUeOQVNaVUKWvyo";
        String scram = "{scram-sha-256}50000,pNIbP1xiNG3ZOUDBeOA5Gg==,Ps5tSZqi3zBUxqKfOoEveM7YuCmZ168hP+ubPEdxvZI=,"
                + "FYhz1hyYZk8+T0/poUR27bGNK4IigqOuK8kGHECbwXE=";
        for (String stored : new String[] {bcrypt, argon2id, scram}) {
            assertTrue(PasswordHash.isHashed(stored), stored);
            assertTrue(PasswordHash.matches(stored, utf8("old secret")), stored);
            assertFalse(PasswordHash.matches(stored, utf8("old secreT")), stored);
        }
    }

    @Test
    void pbkdf2VerifiesTheRightPasswordAndRefusesOthers() {
        String stored = PasswordHash.pbkdf2(utf8("s3cret"));
        assertTrue(stored.startsWith("{pbkdf2}210000:"), stored);
        assertTrue(PasswordHash.matches(stored, utf8("s3cret")));
        assertFalse(PasswordHash.matches(stored, utf8("s3cret ")));
        assertNotEquals(stored, PasswordHash.pbkdf2(utf8("s3cret")), "salted: two hashes of one password differ");
    }

    @Test
    void clearOrMalformedPbkdf2ValuesMatchNothing() {
        assertFalse(PasswordHash.isHashed("admin"));
        assertFalse(PasswordHash.matches("admin", utf8("admin")));
        assertFalse(PasswordHash.matches("{pbkdf2}x:y", utf8("admin")));
        assertFalse(PasswordHash.matches("{pbkdf2}1:!!:!!", utf8("admin")));
        assertTrue(PasswordHash.problem("{pbkdf2}x:y").startsWith("not a PBKDF2 hash"));
        assertEquals("PBKDF2 iteration count 999 is outside 1000 to 10000000",
                PasswordHash.problem(CONSOLE_PBKDF2.replace("210000", "999")));
    }
}
