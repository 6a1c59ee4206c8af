package org.carrier.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a server stores for SCRAM-SHA-256 (RFC 5802 §3, RFC 7677): salt, iteration count, StoredKey and ServerKey,
 * written in the users file as {@code {scram-sha-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY} (base64; the layout Dovecot
 * uses). The password itself cannot be recovered from it, and it also serves AUTH PLAIN and LOGIN. One of the forms
 * {@link PasswordHash} reads and writes.
 */
public record ScramCredential(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    /** RFC 7677 §4 asks for at least 4096; more makes a stolen users file costlier to attack, and clients pay it once per login. */
    public static final int DEFAULT_ITERATIONS = 50_000;
    static final String PREFIX = "{scram-sha-256}";
    private static final Pattern FORM = Pattern.compile(
            "\\{scram-sha-256}(\\d{1,9}),([A-Za-z0-9+/]+={0,2}),([A-Za-z0-9+/]{43}=),([A-Za-z0-9+/]{43}=)", Pattern.CASE_INSENSITIVE);

    public static ScramCredential create(byte[] password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return derive(password, salt, DEFAULT_ITERATIONS);
    }

    /** RFC 5802 §3: SaltedPassword = Hi(password, salt, i); StoredKey = H(HMAC(SaltedPassword, "Client Key")). */
    public static ScramCredential derive(byte[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(iterations, salt.clone(), sha256(clientKey), hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Whether {@code stored} has the SCRAM form (whether or not it is valid; see {@link #problem}). */
    public static boolean isScram(String stored) {
        return stored.strip().regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /** Why {@code stored} is not a usable SCRAM entry, or null. */
    public static String problem(String stored) {
        Matcher m = FORM.matcher(stored.strip());
        if (!m.matches()) {
            return "not a SCRAM-SHA-256 entry: expected {scram-sha-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY (base64)";
        }
        long iterations = Long.parseLong(m.group(1));
        if (iterations < 4096 || iterations > 10_000_000) {
            return "SCRAM iteration count " + iterations + " is outside 4096 to 10000000";
        }
        try {
            return Base64.getDecoder().decode(m.group(2)).length < 8 ? "SCRAM salt shorter than 8 octets" : null;
        } catch (IllegalArgumentException e) {
            return "SCRAM salt is not valid base64";
        }
    }

    /** @throws IllegalArgumentException when {@link #problem} is not null */
    public static ScramCredential parse(String stored) {
        String problem = problem(stored);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Matcher m = FORM.matcher(stored.strip());
        m.matches();
        Base64.Decoder b64 = Base64.getDecoder();
        return new ScramCredential(Integer.parseInt(m.group(1)), b64.decode(m.group(2)), b64.decode(m.group(3)), b64.decode(m.group(4)));
    }

    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + "," + b64.encodeToString(salt) + "," + b64.encodeToString(storedKey) + "," + b64.encodeToString(serverKey);
    }

    /** For PLAIN and LOGIN: derive the StoredKey from {@code password} and compare in constant time. */
    public boolean matches(byte[] password) {
        return MessageDigest.isEqual(storedKey, derive(password, salt, iterations).storedKey());
    }

    /** RFC 5802 §2.2: Hi() is PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2), the output one hash long. */
    static byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
        return PasswordHash.pbkdf2Sha256(password, salt, iterations, 32);
    }

    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
