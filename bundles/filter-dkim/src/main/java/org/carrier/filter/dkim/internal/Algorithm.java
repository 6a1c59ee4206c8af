package org.carrier.filter.dkim.internal;

/** The signing algorithms (RFC 6376 §3.3, RFC 8463 §3): key type and hash. */
enum Algorithm {
    RSA_SHA256("rsa-sha256", "rsa", "sha256", "SHA256withRSA"),
    RSA_SHA1("rsa-sha1", "rsa", "sha1", "SHA1withRSA"),
    ED25519_SHA256("ed25519-sha256", "ed25519", "sha256", "Ed25519");

    private final String tagValue;
    private final String keyType;
    private final String hash;
    private final String jcaSignature;

    Algorithm(String tagValue, String keyType, String hash, String jcaSignature) {
        this.tagValue = tagValue;
        this.keyType = keyType;
        this.hash = hash;
        this.jcaSignature = jcaSignature;
    }

    /** The algorithm of an {@code a=} value, or {@code null} if unknown (RFC 6376 §6.1.1: such a signature is ignored). */
    static Algorithm named(String value) {
        for (Algorithm a : values()) {
            if (a.tagValue.equalsIgnoreCase(value)) {
                return a;
            }
        }
        return null;
    }

    String tagValue() {
        return tagValue;
    }

    /** The key record's {@code k=} value this algorithm needs. */
    String keyType() {
        return keyType;
    }

    /** The hash as named in a key record's {@code h=} tag. */
    String hash() {
        return hash;
    }

    /** The JCA name of the message digest for the body hash. */
    String digest() {
        return hash.equals("sha1") ? "SHA-1" : "SHA-256";
    }

    /** The JCA signature algorithm. */
    String jcaSignature() {
        return jcaSignature;
    }

    /** RFC 8463 §3: Ed25519 signs the SHA-256 hash of the data, where RSA's PKCS#1 signature hashes the data itself. */
    boolean signsPrehash() {
        return this == ED25519_SHA256;
    }
}
