package org.carrier.api.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Carrier's one scheme of stored passwords, read and written alike by the SMTP AUTH users table, the web console
 * login and {@code bin/carrier-passwd}, so a configuration file never holds a password in clear:
 * <ul>
 * <li>{@code {bcrypt}$2y$10$...} (also without the prefix, as {@code htpasswd -B} writes it; versions 2a, 2b, 2y);</li>
 * <li>{@code {argon2id}$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH} (the PHC string format, RFC 9106 Argon2id;
 * also without the prefix);</li>
 * <li>{@code {scram-sha-256}ITERATIONS,SALT,STOREDKEY,SERVERKEY} ({@link ScramCredential}), which also allows
 * AUTH SCRAM-SHA-256;</li>
 * <li>{@code {pbkdf2}ITERATIONS:SALT:HASH} (PBKDF2 with HMAC-SHA-256, RFC 8018 §5.2; base64 salt and hash), what the
 * web console stores.</li>
 * </ul>
 * A password is its octets (UTF-8 for text typed in). Comparisons take the same time whatever the mismatch:
 * BouncyCastle's bcrypt check compares every character, the others use {@link MessageDigest#isEqual}.
 */
public final class PasswordHash {
    /**
     * bcrypt cost 10 (2^10 rounds, OWASP's minimum): about 0.07 s per check on this project's 2-core build machine under load (cost 12: 0.3 to 0.6 s). SMTP clients
     * authenticate on every connection, so each step of cost doubles the CPU a busy submission port spends.
     */
    public static final int BCRYPT_COST = 10;
    /** RFC 9106 §4 second recommended option, scaled to OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
    public static final int ARGON2_MEMORY_KIB = 19_456;
    public static final int ARGON2_ITERATIONS = 2;
    public static final int ARGON2_PARALLELISM = 1;
    /** OWASP's figure for PBKDF2-HMAC-SHA256 (about 0.4 s per check here): the console checks it once per session. */
    public static final int PBKDF2_ITERATIONS = 210_000;

    private static final String BCRYPT_PREFIX = "{bcrypt}";
    private static final String ARGON2_PREFIX = "{argon2id}";
    private static final String PBKDF2_PREFIX = "{pbkdf2}";
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final Pattern ARGON2 = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{16,})");
    private static final Pattern PBKDF2 = Pattern.compile("\\{pbkdf2}(\\d{1,9}):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {
    }

    /** bcrypt of cost {@link #BCRYPT_COST}. */
    public static String bcrypt(byte[] password) {
        return bcrypt(password, BCRYPT_COST);
    }

    /** bcrypt uses at most 72 octets of a password; longer ones are cut there (as in OpenBSD). */
    public static String bcrypt(byte[] password, int cost) {
        return BCRYPT_PREFIX + OpenBSDBCrypt.generate("2y", password, salt(), cost);
    }

    /** Argon2id with the RFC 9106 parameters above. */
    public static String argon2id(byte[] password) {
        return argon2id(password, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM);
    }

    public static String argon2id(byte[] password, int memoryKib, int iterations, int parallelism) {
        byte[] salt = salt();
        byte[] hash = argon2(password, salt, memoryKib, iterations, parallelism, 32);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return ARGON2_PREFIX + "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
                + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** A SCRAM-SHA-256 entry, made with {@link ScramCredential#DEFAULT_ITERATIONS}. */
    public static String scramSha256(byte[] password) {
        return ScramCredential.create(password).format();
    }

    /** PBKDF2-HMAC-SHA256 of {@link #PBKDF2_ITERATIONS}, a 16-octet salt and a 32-octet hash. */
    public static String pbkdf2(byte[] password) {
        byte[] salt = salt();
        Base64.Encoder b64 = Base64.getEncoder();
        return PBKDF2_PREFIX + PBKDF2_ITERATIONS + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(pbkdf2Sha256(password, salt, PBKDF2_ITERATIONS, 32));
    }

    /**
     * Whether {@code stored} is written as one of the scheme's hashes (its {@code {name}} prefix), usable or not: what
     * is not is a password in clear, which the web console replaces by its hash.
     */
    public static boolean isHashed(String stored) {
        return stored != null && (stored.startsWith(BCRYPT_PREFIX) || stored.startsWith(ARGON2_PREFIX)
                || stored.startsWith(PBKDF2_PREFIX) || ScramCredential.isScram(stored));
    }

    /** Whether {@code password} matches {@code stored}; false for a hash in no known form (see {@link #problem}). */
    public static boolean matches(String stored, byte[] password) {
        if (stored == null || problem(stored) != null) {
            return false;
        }
        if (ScramCredential.isScram(stored)) {
            return ScramCredential.parse(stored).matches(password);
        }
        Matcher pbkdf2 = PBKDF2.matcher(stored.trim());
        if (pbkdf2.matches()) {
            byte[] expected = Base64.getDecoder().decode(pbkdf2.group(3));
            byte[] actual = pbkdf2Sha256(password, Base64.getDecoder().decode(pbkdf2.group(2)),
                    Integer.parseInt(pbkdf2.group(1)), expected.length);
            return MessageDigest.isEqual(expected, actual);
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

    /** Why {@code stored} cannot be used as a password hash, or null when it can. */
    public static String problem(String stored) {
        if (ScramCredential.isScram(stored)) {
            return ScramCredential.problem(stored);
        }
        if (stored.trim().startsWith(PBKDF2_PREFIX)) {
            return pbkdf2Problem(stored.trim());
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
        // the forms bin/carrier-passwd makes; {pbkdf2} (the console's) is read too, but not what a table should get
        return "not a password hash: expected {bcrypt}$2y$..., {argon2id}$argon2id$... or {scram-sha-256}... (make one with bin/carrier-passwd)";
    }

    /** RFC 8018 §4.1: a salt of at least 64 bits; §4.2: at least 1000 iterations. The top keeps a typo from taking minutes. */
    private static String pbkdf2Problem(String stored) {
        Matcher m = PBKDF2.matcher(stored);
        if (!m.matches()) {
            return "not a PBKDF2 hash: expected {pbkdf2}ITERATIONS:SALT:HASH (base64)";
        }
        long iterations = Long.parseLong(m.group(1));
        if (iterations < 1000 || iterations > 10_000_000) {
            return "PBKDF2 iteration count " + iterations + " is outside 1000 to 10000000";
        }
        try {
            int salt = Base64.getDecoder().decode(m.group(2)).length;
            int hash = Base64.getDecoder().decode(m.group(3)).length;
            if (salt < 8 || hash < 16 || hash > 64) {
                return "PBKDF2 salt shorter than 8 octets, or hash not 16 to 64 octets";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "PBKDF2 salt or hash is not valid base64";
        }
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

    /** PBKDF2 with HMAC-SHA-256 (RFC 8018 §5.2) over the password's octets: the web console's hash and SCRAM's Hi(). */
    static byte[] pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length) {
        PKCS5S2ParametersGenerator pbkdf2 = new PKCS5S2ParametersGenerator(SHA256Digest.newInstance());
        pbkdf2.init(password, salt, iterations);
        return ((KeyParameter) pbkdf2.generateDerivedParameters(length * 8)).getKey();
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return salt;
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
