package org.carrier.delivery.smtp.internal.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;

import org.carrier.api.dns.TlsaRecord;

/**
 * Which TLSA records SMTP can use and whether a certificate matches one (RFC 6698 §2.1, RFC 7671, RFC 7672 §3.1).
 */
public final class TlsaMatch {
    /** RFC 7218 usage names. */
    static final int DANE_TA = 2;
    static final int DANE_EE = 3;

    private TlsaMatch() {
    }

    /**
     * Why a record cannot be used by SMTP, or empty when it can: usages DANE-TA(2) and DANE-EE(3) only (RFC 7672 §3.1:
     * PKIX-TA(0) and PKIX-EE(1) are unusable, an MTA has no agreed set of roots), selectors 0 and 1, matching types 0,
     * 1 (SHA-256, 32 octets) and 2 (SHA-512, 64 octets) (RFC 6698 §2.1.3), and data of the length the type needs.
     */
    public static Optional<String> unusable(TlsaRecord record) {
        if (record.usage() != DANE_TA && record.usage() != DANE_EE) {
            return Optional.of("usage " + record.usage() + (record.usage() <= 1 ? " (PKIX, not used by SMTP, RFC 7672 §3.1)"
                    : " is unknown"));
        }
        if (record.selector() > 1) {
            return Optional.of("selector " + record.selector() + " is unknown");
        }
        int length = record.data().length;
        return switch (record.matchingType()) {
            case 0 -> length == 0 ? Optional.of("no association data") : Optional.empty();
            case 1 -> length == 32 ? Optional.empty() : Optional.of("SHA-256 data of " + length + " octets, not 32");
            case 2 -> length == 64 ? Optional.empty() : Optional.of("SHA-512 data of " + length + " octets, not 64");
            default -> Optional.of("matching type " + record.matchingType() + " is unknown");
        };
    }

    /** Whether the certificate (selector 0) or its SubjectPublicKeyInfo (selector 1) matches a usable record. */
    public static boolean matches(TlsaRecord record, X509Certificate certificate) {
        byte[] selected;
        try {
            selected = record.selector() == 0 ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
        } catch (CertificateEncodingException e) {
            return false;
        }
        byte[] expected = record.data();
        return switch (record.matchingType()) {
            case 0 -> Arrays.equals(selected, expected);
            case 1 -> MessageDigest.isEqual(digest("SHA-256", selected), expected);
            case 2 -> MessageDigest.isEqual(digest("SHA-512", selected), expected);
            default -> false;
        };
    }

    /** The usage as Postfix's log names it: {@code DANE-EE 3 1 1}. */
    public static String describe(TlsaRecord record) {
        String name = record.usage() == DANE_EE ? "DANE-EE" : record.usage() == DANE_TA ? "DANE-TA" : "usage";
        return name + " " + record.usage() + " " + record.selector() + " " + record.matchingType();
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
