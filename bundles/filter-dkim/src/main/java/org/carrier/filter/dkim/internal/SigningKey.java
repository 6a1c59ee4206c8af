package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import org.carrier.api.file.FileModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private key to sign mail of one domain with, and the selector its public key is published under.
 *
 * @param domain    {@code d=}, in lower case
 * @param selector  {@code s=}
 * @param algorithm rsa-sha256 or ed25519-sha256, after the key's type
 * @param key       the private key
 */
record SigningKey(String domain, String selector, Algorithm algorithm, PrivateKey key) {
    private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);


    /**
     * Reads {@code domain:selector:keyfile}; the key file is PEM PKCS#8 ("BEGIN PRIVATE KEY", as {@code openssl genpkey}
     * writes), RSA or Ed25519, its path absolute or relative to {@code base}.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static SigningKey load(String entry, Path base) {
        String[] parts = entry.strip().split(":", 3);
        if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
            throw new IllegalArgumentException("not domain:selector:keyfile: " + entry);
        }
        Path file = base.resolve(parts[2].strip());
        PrivateKey key = readKey(file);
        Algorithm algorithm = key instanceof RSAPrivateKey ? Algorithm.RSA_SHA256 : Algorithm.ED25519_SHA256;
        if (key instanceof RSAPrivateKey rsa) {
            if (rsa.getModulus().bitLength() < 1024) {
                throw new IllegalArgumentException(file + ": RSA key of " + rsa.getModulus().bitLength()
                        + " bits; RFC 8301 §3.2 needs at least 1024 (2048 recommended)");
            }
            key = withCrt(file, rsa);
        }
        return new SigningKey(parts[0].strip().toLowerCase(Locale.ROOT), parts[1].strip(), algorithm, key);
    }

    /** An RSA key without its CRT parameters signs at a third of the speed: completed when it can be, else one WARN. */
    private static PrivateKey withCrt(Path file, RSAPrivateKey rsa) {
        if (rsa instanceof RSAPrivateCrtKey) {
            return rsa;
        }
        Optional<RSAPrivateCrtKey> crt = RsaCrtKey.of(rsa);
        if (crt.isEmpty()) {
            LOG.warn("{}: RSA key without its CRT parameters (and a public exponent other than 65537): each signature "
                    + "costs about three times the CPU; write the key with its primes (openssl genpkey or openssl pkcs8 "
                    + "-topk8 -nocrypt of the original)", file);
            return rsa;
        }
        LOG.info("{}: RSA key without its CRT parameters: completed from n and d (e = 65537) for faster signing", file);
        return crt.get();
    }

    private static PrivateKey readKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
        }
        // whoever can read it can sign as the domain: one WARN per file (issue 19)
        FileModes.exposedSecret(file, "a DKIM private key").ifPresent(LOG::warn);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(file + ": not a PEM PKCS#8 private key (BEGIN PRIVATE KEY); convert with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": bad base64 in the PEM block");
        }
        for (String type : new String[] {"RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException(file + ": neither an RSA nor an Ed25519 private key");
    }
}
