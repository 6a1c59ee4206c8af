package org.carrier.filter.dkim.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A DKIM key record (RFC 6376 §3.6.1) as published at {@code selector._domainkey.domain}.
 *
 * @param keyType     {@code k=}, default {@code rsa}
 * @param key         {@code p=} decoded; empty for a revoked key
 * @param hashes      {@code h=}, or {@code null} for any
 * @param services    {@code s=}, default {@code *}
 * @param testing     {@code t=y}: the domain is testing DKIM (RFC 6376 §3.6.1)
 * @param strict      {@code t=s}: i= must be exactly d=, not a subdomain
 * @param granularity {@code g=} of RFC 4871 §3.6.1 (removed by RFC 6376), or {@code null}
 */
record KeyRecord(String keyType, byte[] key, List<String> hashes, List<String> services, boolean testing,
                 boolean strict, String granularity) {
    /** RFC 8410 §4: the SubjectPublicKeyInfo DER prefix for a raw 32-byte Ed25519 key (OID 1.3.101.112). */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    static KeyRecord parse(String text) throws DkimException {
        TagList tags = TagList.parse(text);
        String version = tags.get("v");
        if (version != null && !version.equals("DKIM1")) {
            throw DkimException.permerror("key record: unsupported v=" + version);
        }
        String p = tags.get("p");
        if (p == null) {
            throw DkimException.permerror("key record: p= missing");
        }
        byte[] key = DkimSignature.base64(TagList.withoutWhiteSpace(p), "p");
        String keyType = tags.has("k") ? tags.get("k").toLowerCase(Locale.ROOT) : "rsa";
        return new KeyRecord(keyType, key, list(tags.get("h")), tags.has("s") ? list(tags.get("s")) : List.of("*"),
                flags(tags).contains("y"), flags(tags).contains("s"), tags.get("g"));
    }

    private static List<String> flags(TagList tags) {
        return tags.has("t") ? list(tags.get("t")) : List.of();
    }

    private static List<String> list(String value) {
        return value == null ? null : Arrays.stream(value.split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * Checks that this key may verify the signature (RFC 6376 §6.1.2) and returns it as a Java key.
     *
     * @param minRsaBits     RSA keys shorter than this are not accepted (RFC 8301 §3.2: 1024)
     * @param useGranularity check {@code g=} against the local part of {@code i=} (RFC 4871 §3.6.1)
     */
    PublicKey check(DkimSignature signature, int minRsaBits, boolean useGranularity) throws DkimException {
        if (key.length == 0) {
            throw DkimException.permerror("key revoked");
        }
        Algorithm algorithm = signature.algorithm();
        if (!keyType.equals(algorithm.keyType())) {
            throw DkimException.permerror("key type k=" + keyType + " does not fit a=" + algorithm.tagValue());
        }
        if (hashes != null && !hashes.contains(algorithm.hash())) {
            throw DkimException.permerror("key does not allow hash " + algorithm.hash());
        }
        if (!services.contains("*") && !services.contains("email")) {
            throw DkimException.permerror("key is not for email (s=" + String.join(":", services) + ")");
        }
        if (strict && !signature.identityDomain().equals(signature.domain())) {
            throw DkimException.permerror("key requires i= in d= itself (t=s)");
        }
        if (useGranularity && granularity != null && !Granularity.matches(granularity, signature.identityLocalPart())) {
            throw DkimException.permerror("key granularity g=" + granularity + " does not match i=");
        }
        return publicKey(minRsaBits);
    }

    private PublicKey publicKey(int minRsaBits) throws DkimException {
        try {
            if (keyType.equals("ed25519")) {
                // RFC 8463 §4: p= is the raw 32-byte public key, not a SubjectPublicKeyInfo.
                if (key.length != 32) {
                    throw DkimException.permerror("ed25519 key of " + key.length + " bytes, not 32");
                }
                byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
                System.arraycopy(key, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            }
            RSAPublicKey rsa = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(key));
            int bits = rsa.getModulus().bitLength();
            if (bits < minRsaBits) {
                throw DkimException.fail("RSA key of " + bits + " bits, less than " + minRsaBits + " (RFC 8301)");
            }
            return rsa;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw DkimException.permerror("unusable " + keyType + " key: " + e.getMessage());
        }
    }
}
