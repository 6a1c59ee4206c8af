package org.carrier.smtp.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import javax.crypto.EncryptedPrivateKeyInfo;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.carrier.smtp.server.internal.tls.SelfSignedCertificate.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {
    @TempDir
    Path dir;

    @Test
    void rsaAndEcKeysAndChainsSurviveARoundTrip() throws Exception {
        for (KeyType type : KeyType.values()) {
            KeyMaterial leaf = SelfSignedCertificate.generate("mx.example.test", type, Instant.now());
            KeyMaterial other = SelfSignedCertificate.generate("ca.example.test", type, Instant.now());
            Path cert = dir.resolve(type + ".crt");
            Path key = dir.resolve(type + ".key");
            PemFiles.writeCertificates(cert, List.of(leaf.leaf(), other.leaf()));
            PemFiles.writePrivateKey(key, leaf.key());

            List<X509Certificate> chain = PemFiles.readCertificates(cert);
            assertEquals(List.of(leaf.leaf(), other.leaf()), chain, "order and content of the chain");
            PrivateKey read = PemFiles.readPrivateKey(key);
            assertArrayEquals(leaf.key().getEncoded(), read.getEncoded());
            assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 form");
            assertTrue(new KeyMaterial(read, chain).keyMatchesCertificate());
            assertFalse(new KeyMaterial(other.key(), chain).keyMatchesCertificate(), "another key does not match");
        }
    }

    @Test
    void textAroundTheBlocksAndAByteOrderMarkAreIgnored() throws Exception {
        KeyMaterial material = SelfSignedCertificate.generate("bom.test", KeyType.RSA, Instant.now());
        Path cert = dir.resolve("plain.crt");
        PemFiles.writeCertificates(cert, material.chain());
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = ("Bag Attributes\n    friendlyName: Zertifikat f\u00fcr M\u00fcller\n" + Files.readString(cert))
                .getBytes(StandardCharsets.UTF_8);
        Path decorated = dir.resolve("decorated.crt");
        Files.write(decorated, bom);
        Files.write(decorated, text, StandardOpenOption.APPEND);
        assertEquals(material.chain(), PemFiles.readCertificates(decorated));
    }

    @Test
    void theKeyFileIsForItsOwnerOnly() throws Exception {
        Path key = dir.resolve("owner.key");
        PemFiles.writePrivateKey(key, SelfSignedCertificate.generate("a.test", KeyType.EC_P256, Instant.now()).key());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(List.of(key), Files.list(dir).toList(), "no temporary file left behind");
    }

    @Test
    void readsTheTraditionalOpenSslKeyFormats() throws Exception {
        for (KeyType type : KeyType.values()) {
            KeyMaterial material = SelfSignedCertificate.generate("old.test", type, Instant.now());
            PrivateKey key = material.key();
            StringWriter text = new StringWriter();
            if (type == KeyType.EC_P256) {
                // `openssl ecparam -genkey -name prime256v1` writes the curve first, then the key (RFC 5915) naming its curve.
                ECPrivateKey ec = (ECPrivateKey) key;
                byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), new X962Parameters(SECObjectIdentifiers.secp256r1))
                        .getEncoded();
                try (PemWriter pem = new PemWriter(text)) {
                    pem.writeObject(new PemObject("EC PARAMETERS", SECObjectIdentifiers.secp256r1.getEncoded()));
                    pem.writeObject(new PemObject("EC PRIVATE KEY", der));
                }
            } else {
                try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
                    pem.writeObject(key);
                }
            }
            String expectedHeader = type == KeyType.RSA ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----";
            assertTrue(text.toString().contains(expectedHeader), text.toString());
            Path file = dir.resolve(type + "-traditional.key");
            Files.writeString(file, text.toString());
            PrivateKey read = PemFiles.readPrivateKey(file);
            assertTrue(new KeyMaterial(read, material.chain()).keyMatchesCertificate(), "the same key, read back");
        }
    }

    @Test
    void badFilesAreNamedWithTheirProblem() throws Exception {
        KeyMaterial material = SelfSignedCertificate.generate("bad.test", KeyType.RSA, Instant.now());
        Path cert = dir.resolve("good.crt");
        Path key = dir.resolve("good.key");
        PemFiles.writeCertificates(cert, material.chain());
        PemFiles.writePrivateKey(key, material.key());

        assertProblem(dir.resolve("missing.pem"), "no such file", f -> PemFiles.readCertificates(f));
        assertProblem(write("empty.crt", ""), "no PEM certificate", f -> PemFiles.readCertificates(f));
        assertProblem(write("garbage.crt", "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n"),
                "not a readable PEM file", f -> PemFiles.readCertificates(f));
        assertProblem(write("truncated.crt", Files.readString(cert).substring(0, 200)), "not a readable PEM file",
                f -> PemFiles.readCertificates(f));
        assertProblem(key, "where a CERTIFICATE was expected", f -> PemFiles.readCertificates(f));
        assertProblem(cert, "where a PRIVATE KEY was expected", f -> PemFiles.readPrivateKey(f));
        assertProblem(write("empty.key", "just text\n"), "no PEM private key", f -> PemFiles.readPrivateKey(f));
        assertProblem(write("two.key", Files.readString(key) + Files.readString(key)), "more than one private key",
                f -> PemFiles.readPrivateKey(f));

        byte[] encrypted = new EncryptedPrivateKeyInfo("PBEWithMD5AndDES", new byte[64]).getEncoded();
        StringWriter text = new StringWriter();
        try (PemWriter pem = new PemWriter(text)) {
            pem.writeObject(new PemObject("ENCRYPTED PRIVATE KEY", encrypted));
        }
        assertProblem(write("encrypted.key", text.toString()), "the private key is encrypted", f -> PemFiles.readPrivateKey(f));
    }

    private Path write(String name, String content) throws Exception {
        return Files.write(dir.resolve(name), content.getBytes(StandardCharsets.US_ASCII));
    }

    interface Reading {
        void read(Path file) throws Exception;
    }

    private static void assertProblem(Path file, String problem, Reading reading) {
        PemFileException e = assertThrows(PemFileException.class, () -> reading.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
