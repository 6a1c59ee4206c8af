package org.carrier.filter.dkim.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * The one place where header data is signed and checked, for DKIM-Signature (RFC 6376 §3.7) and the ARC fields that
 * reuse its algorithms (RFC 8617 §4.1.2, §4.1.3): RSA's PKCS#1 signature hashes the data itself, Ed25519 signs its
 * SHA-256 hash (RFC 8463 §3).
 */
final class Signatures {
    private Signatures() {
    }

    static byte[] sign(Algorithm algorithm, PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(algorithm.jcaSignature());
        signer.initSign(key);
        signer.update(prehashed(algorithm, data));
        return signer.sign();
    }

    /** Whether {@code signature} is the algorithm's signature of {@code data} by {@code key}. */
    static boolean matches(Algorithm algorithm, PublicKey key, byte[] data, byte[] signature) throws DkimException {
        try {
            Signature verifier = Signature.getInstance(algorithm.jcaSignature());
            verifier.initVerify(key);
            verifier.update(prehashed(algorithm, data));
            return verifier.verify(signature);
        } catch (SignatureException e) {
            return false; // e.g. a b= of the wrong length for the key
        } catch (GeneralSecurityException e) {
            throw DkimException.permerror("cannot verify: " + e.getMessage());
        }
    }

    private static byte[] prehashed(Algorithm algorithm, byte[] data) throws GeneralSecurityException {
        return algorithm.signsPrehash() ? MessageDigest.getInstance("SHA-256").digest(data) : data;
    }
}
