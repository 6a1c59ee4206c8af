package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class PasswordHashesTest {
    /** Made by libxcrypt (Python's crypt module on Debian) for "correct horse": another implementation's output. */
    static final String LIBXCRYPT_BCRYPT = "$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2";

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bcryptVerifiesTheRightPasswordAndRefusesOthers() {
        String hash = PasswordHashes.bcrypt(utf8("s3cret päss"), 4);
        assertTrue(hash.matches("\\{bcrypt}\\$2y\\$04\\$[./A-Za-z0-9]{53}"), hash);
        assertTrue(PasswordHashes.matches(hash, utf8("s3cret päss")));
        assertFalse(PasswordHashes.matches(hash, utf8("s3cret pass")));
        assertFalse(PasswordHashes.matches(hash, utf8("")));
        assertNotEquals(hash, PasswordHashes.bcrypt(utf8("s3cret päss"), 4), "a fresh salt each time");
    }

    @Test
    void theDefaultCostIsTen() {
        String hash = PasswordHashes.bcrypt(utf8("pw"));
        assertTrue(hash.startsWith("{bcrypt}$2y$10$"), hash);
        assertTrue(PasswordHashes.matches(hash, utf8("pw")));
    }

    @Test
    void acceptsHashesMadeByOtherTools() {
        assertNull(PasswordHashes.problem(LIBXCRYPT_BCRYPT));
        assertTrue(PasswordHashes.matches(LIBXCRYPT_BCRYPT, utf8("correct horse")));
        assertTrue(PasswordHashes.matches("{bcrypt}" + LIBXCRYPT_BCRYPT, utf8("correct horse")));
        assertFalse(PasswordHashes.matches(LIBXCRYPT_BCRYPT, utf8("correct horsE")));
    }

    @Test
    void argon2idVerifiesTheRightPasswordAndRefusesOthers() {
        String hash = PasswordHashes.argon2id(utf8("hunter2"), 64, 1, 1);
        assertTrue(hash.startsWith("{argon2id}$argon2id$v=19$m=64,t=1,p=1$"), hash);
        assertTrue(PasswordHashes.matches(hash, utf8("hunter2")));
        assertFalse(PasswordHashes.matches(hash, utf8("hunter3")));
        String standard = PasswordHashes.argon2id(utf8("hunter2"));
        assertTrue(standard.startsWith("{argon2id}$argon2id$v=19$m=19456,t=2,p=1$"), standard);
        assertTrue(PasswordHashes.matches(standard, utf8("hunter2")));
    }

    @Test
    void argon2idAgreesWithTheReferenceImplementation() {
        // The PHC reference implementation's test vector (phc-winner-argon2 test.c): "password", salt "somesalt".
        String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertNull(PasswordHashes.problem(reference));
        assertTrue(PasswordHashes.matches(reference, utf8("password")));
        assertFalse(PasswordHashes.matches(reference, utf8("passwore")));
    }

    @Test
    void unusableHashesAreExplainedAndNeverMatch() {
        assertTrue(PasswordHashes.problem("secret").startsWith("not a password hash"));
        assertTrue(PasswordHashes.problem("{plain}secret").startsWith("not a password hash"));
        assertTrue(PasswordHashes.problem("$2y$12$short").startsWith("not a password hash"));
        assertEquals("bcrypt cost 3 is outside 4 to 31",
                PasswordHashes.problem(LIBXCRYPT_BCRYPT.replace("$05$", "$03$")));
        assertTrue(PasswordHashes.problem("$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("not an Argon2id hash"));
        assertTrue(PasswordHashes.problem("$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("outside 8 KiB to 4 GiB"));
        assertTrue(PasswordHashes.problem("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQxy$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
                .contains("not valid base64"));
        assertFalse(PasswordHashes.matches("secret", utf8("secret")), "a clear password in the table never matches");
    }
}
