package org.carrier.smtp.server.internal.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes as stored in the users table:
 * <ul>
 * <li>{@code {bcrypt}$2y$10$...} (also without the prefix, as {@code htpasswd -B} writes it; versions 2a, 2b, 2y);</li>
 * <li>{@code {argon2id}$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH} (the PHC string format, RFC 9106 Argon2id;
 * also without the prefix);</li>
 * <li>{@code {scram-sha-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY} ({@link ScramCredential}), which also allows
 * AUTH SCRAM-SHA-256.</li>
 * </ul>
 * Comparisons take the same time whatever the mismatch: BouncyCastle's bcrypt check compares every character,
 * and the Argon2 check uses {@link MessageDigest#isEqual}.
 */
public final class PasswordHashes {
    /**
     * bcrypt cost 10 (2^10 rounds, OWASP's minimum): about 0.07 s per check on this project's 2-core build machine under load (cost 12: 0.3 to 0.6 s). SMTP clients
     * authenticate on every connection, so each step of cost doubles the CPU a busy submission port spends.
     */
    public static final int BCRYPT_COST = 10;
    /** RFC 9106 §4 second recommended option, scaled to OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
    static final int ARGON2_MEMORY_KIB = 19_456;
    static final int ARGON2_ITERATIONS = 2;
    static final int ARGON2_PARALLELISM = 1;

    private static final String BCRYPT_PREFIX = "{bcrypt}";
    private static final String ARGON2_PREFIX = "{argon2id}";
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final Pattern ARGON2 = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{16,})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHashes() {
    }

    public static String bcrypt(byte[] password) {
        return bcrypt(password, BCRYPT_COST);
    }

    /** bcrypt uses at most 72 octets of a password; longer ones are cut there (as in OpenBSD). */
    public static String bcrypt(byte[] password, int cost) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return BCRYPT_PREFIX + OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    public static String argon2id(byte[] password) {
        return argon2id(password, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM);
    }

    static String argon2id(byte[] password, int memoryKib, int iterations, int parallelism) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] hash = argon2(password, salt, memoryKib, iterations, parallelism, 32);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return ARGON2_PREFIX + "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
                + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Whether {@code password} matches {@code stored}; false for a hash in no known form (see {@link #problem}). */
    public static boolean matches(String stored, byte[] password) {
        if (problem(stored) != null) {
            return false;
        }
        if (ScramCredential.isScram(stored)) {
            return ScramCredential.parse(stored).matches(password);
        }
        String hash = withoutPrefix(stored);
        Matcher argon = ARGON2.matcher(hash);
        if (argon.matches()) {
            byte[] expected = Base64.getDecoder().decode(argon.group(5));
            byte[] actual = argon2(password, Base64.getDecoder().decode(argon.group(4)), Integer.parseInt(argon.group(1)),
                    Integer.parseInt(argon.group(2)), Integer.parseInt(argon.group(3)), expected.length);
            return MessageDigest.isEqual(expected, actual);
        }
        return OpenBSDBCrypt.checkPassword(hash, password);
    }

    /** A SCRAM-SHA-256 entry, made with {@link ScramCredential#DEFAULT_ITERATIONS}. */
    public static String scramSha256(byte[] password) {
        return ScramCredential.create(password).format();
    }

    /** Why {@code stored} cannot be used as a password hash, or null when it can. */
    public static String problem(String stored) {
        if (ScramCredential.isScram(stored)) {
            return ScramCredential.problem(stored);
        }
        String hash = withoutPrefix(stored);
        Matcher bcrypt = BCRYPT.matcher(hash);
        if (bcrypt.matches()) {
            int cost = Integer.parseInt(bcrypt.group(1));
            return cost >= 4 && cost <= 31 ? null : "bcrypt cost " + cost + " is outside 4 to 31";
        }
        Matcher argon = ARGON2.matcher(hash);
        if (argon.matches()) {
            try {
                Base64.getDecoder().decode(argon.group(4));
                Base64.getDecoder().decode(argon.group(5));
            } catch (IllegalArgumentException e) {
                return "argon2id salt or hash is not valid base64";
            }
            return argon2Problem(Long.parseLong(argon.group(1)), Integer.parseInt(argon.group(2)), Integer.parseInt(argon.group(3)));
        }
        if (hash.startsWith("$argon2")) {
            return "not an Argon2id hash in PHC form ($argon2id$v=19$m=...,t=...,p=...$SALT$HASH)";
        }
        return "not a password hash: expected {bcrypt}$2y$..., {argon2id}$argon2id$... or {scram-sha-256}... (make one with bin/carrier-passwd)";
    }

    /** Limits that keep a mistyped table from making each check take minutes or gigabytes (RFC 9106 §3.1 ranges). */
    private static String argon2Problem(long memoryKib, int iterations, int parallelism) {
        if (parallelism < 1 || parallelism > 64) {
            return "argon2id parallelism p=" + parallelism + " is outside 1 to 64";
        }
        if (iterations < 1 || iterations > 100) {
            return "argon2id iterations t=" + iterations + " is outside 1 to 100";
        }
        if (memoryKib < 8L * parallelism || memoryKib > 4L * 1024 * 1024) {
            return "argon2id memory m=" + memoryKib + " KiB is outside " + 8 * parallelism + " KiB to 4 GiB";
        }
        return null;
    }

    private static String withoutPrefix(String stored) {
        String trimmed = stored.trim();
        if (trimmed.startsWith(BCRYPT_PREFIX)) {
            return trimmed.substring(BCRYPT_PREFIX.length());
        }
        return trimmed.startsWith(ARGON2_PREFIX) ? trimmed.substring(ARGON2_PREFIX.length()) : trimmed;
    }

    private static byte[] argon2(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] hash = new byte[length];
        generator.generateBytes(password, hash);
        return hash;
    }
}
