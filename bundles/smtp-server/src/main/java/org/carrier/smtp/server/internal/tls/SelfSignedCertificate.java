package org.carrier.smtp.server.internal.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a self-signed server certificate, so that STARTTLS works from the first start. Senders doing opportunistic
 * TLS on port 25 (RFC 3207, RFC 7435) accept it; submission clients need the administrator's real certificate or must
 * be told to trust this one.
 */
public final class SelfSignedCertificate {
    /** How long a generated certificate is valid. */
    public static final Duration VALIDITY = Duration.ofDays(3650);
    /** Back-dated a little, so that a client whose clock is slightly behind still accepts a fresh certificate. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    /** The key types a certificate can be generated for. */
    public enum KeyType {
        /** 2048-bit RSA: what every client supports. */
        RSA("RSA", "SHA256withRSA"),
        /** ECDSA on P-256 (secp256r1). */
        EC_P256("EC", "SHA256withECDSA");

        private final String algorithm;
        private final String signature;

        KeyType(String algorithm, String signature) {
            this.algorithm = algorithm;
            this.signature = signature;
        }

        KeyPair generate(SecureRandom random) throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (this == RSA) {
                generator.initialize(2048, random);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            }
            return generator.generateKeyPair();
        }
    }

    private SelfSignedCertificate() {
    }

    /**
     * A new key and a certificate for it: subject CN = {@code hostname}, the same name as DNS subject alternative name
     * (RFC 6125 §6.4.4: clients check the SAN, not the CN), valid for {@link #VALIDITY} from {@code now}.
     */
    public static KeyMaterial generate(String hostname, KeyType type, Instant now) throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        KeyPair pair = type.generate(random);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
        // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 159 random bits make it unique.
        BigInteger serial = new BigInteger(159, random).add(BigInteger.ONE);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAlternativeName(hostname)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(type == KeyType.RSA
                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(type.signature).build(pair.getPrivate())));
            return new KeyMaterial(pair.getPrivate(), List.of(certificate));
        } catch (CertIOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot build a certificate for " + hostname + ": " + e.getMessage(), e);
        }
    }

    /** An IP address literal gets an iPAddress SAN, a name a dNSName (RFC 5280 §4.2.1.6). */
    private static GeneralName subjectAlternativeName(String hostname) {
        boolean literal = hostname.matches("[0-9.]+") || hostname.contains(":");
        return new GeneralName(literal ? GeneralName.iPAddress : GeneralName.dNSName, hostname);
    }
}
