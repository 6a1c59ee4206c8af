package org.carrier.smtp.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;

import org.carrier.smtp.server.internal.tls.SelfSignedCertificate.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerCertificatesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path data;

    private ServerCertificates at(Instant instant) {
        return new ServerCertificates(data.resolve("tls"), Clock.fixed(instant, ZoneOffset.UTC));
    }

    @Test
    void generatesASelfSignedCertificateOnceAndReusesItOnTheNextStart() throws Exception {
        KeyMaterial first = at(NOW).load("", "", "mx.example.test");
        Path cert = data.resolve("tls/selfsigned-mx.example.test.crt");
        Path key = data.resolve("tls/selfsigned-mx.example.test.key");
        assertTrue(Files.exists(cert) && Files.exists(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        X509Certificate leaf = first.leaf();
        assertEquals("CN=mx.example.test", leaf.getSubjectX500Principal().getName());
        assertEquals(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertEquals(List.of(List.of(2, "mx.example.test")), names(leaf.getSubjectAlternativeNames()));
        assertEquals(2048, ((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength());
        assertEquals(Duration.ofDays(3650), Duration.between(NOW, leaf.getNotAfter().toInstant()));
        assertTrue(leaf.getNotBefore().toInstant().isBefore(NOW));
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
        leaf.verify(leaf.getPublicKey());

        KeyMaterial second = at(NOW.plus(Duration.ofDays(30))).load(null, null, "mx.example.test");
        assertArrayEquals(leaf.getEncoded(), second.leaf().getEncoded(), "the second start reuses the certificate");
        assertArrayEquals(first.key().getEncoded(), second.key().getEncoded());
    }

    @Test
    void anotherHostNameGetsItsOwnCertificate() throws Exception {
        KeyMaterial one = at(NOW).selfSigned("one.test");
        KeyMaterial two = at(NOW).selfSigned("two.test");
        assertEquals("CN=two.test", two.leaf().getSubjectX500Principal().getName());
        assertNotEquals(one.leaf(), two.leaf());
    }

    @Test
    void aTlsFolderThatCannotBeWrittenIsNamed() throws Exception {
        Files.writeString(data.resolve("tls"), "a file where the folder should be");
        IOException e = assertThrows(IOException.class, () -> at(NOW).selfSigned("mx.test"));
        assertTrue(e.getMessage().startsWith("cannot keep the self-signed certificate in " + data.resolve("tls")), e.getMessage());
    }

    @Test
    void anAddressLiteralGetsAnIpAddressName() throws Exception {
        assertEquals(List.of(List.of(7, "192.0.2.25")), names(at(NOW).selfSigned("192.0.2.25").leaf().getSubjectAlternativeNames()));
        KeyMaterial v6 = at(NOW).selfSigned("2001:db8::25");
        assertEquals(7, v6.leaf().getSubjectAlternativeNames().iterator().next().get(0));
        assertTrue(Files.exists(data.resolve("tls/selfsigned-2001_db8__25.crt")), "no colons in file names");
    }

    @Test
    void anExpiredOrBrokenGeneratedCertificateIsReplaced() throws Exception {
        KeyMaterial original = at(NOW).selfSigned("mx.test");
        KeyMaterial later = at(NOW.plus(Duration.ofDays(3651))).selfSigned("mx.test");
        assertNotEquals(original.leaf(), later.leaf(), "expired: made anew");
        assertTrue(later.leaf().getNotAfter().toInstant().isAfter(NOW.plus(Duration.ofDays(3651))));

        Files.writeString(data.resolve("tls/selfsigned-mx.test.crt"), "broken");
        KeyMaterial repaired = at(NOW).selfSigned("mx.test");
        assertNotEquals(later.leaf(), repaired.leaf());
        assertTrue(repaired.keyMatchesCertificate());
        assertEquals(repaired.leaf(), at(NOW).selfSigned("mx.test").leaf(), "the repaired one is kept");
    }

    @Test
    void configuredFilesAreUsedAndCheckedAgainstEachOther() throws Exception {
        KeyMaterial real = SelfSignedCertificate.generate("mail.example.org", KeyType.EC_P256, NOW);
        KeyMaterial stranger = SelfSignedCertificate.generate("other.example.org", KeyType.EC_P256, NOW);
        Path cert = data.resolve("fullchain.pem");
        Path key = data.resolve("privkey.pem");
        PemFiles.writeCertificates(cert, real.chain());
        PemFiles.writePrivateKey(key, real.key());

        KeyMaterial loaded = at(NOW).load(cert.toString(), " " + key + " ", "ignored.test");
        assertEquals(real.leaf(), loaded.leaf());
        assertFalse(Files.exists(data.resolve("tls")), "nothing generated when files are configured");

        PemFiles.writePrivateKey(key, stranger.key());
        PemFileException mismatch = assertThrows(PemFileException.class, () -> at(NOW).load(cert.toString(), key.toString(), "x"));
        assertEquals(key, mismatch.file());
        assertTrue(mismatch.getMessage().contains("does not belong to the first certificate of " + cert), mismatch.getMessage());

        IOException half = assertThrows(IOException.class, () -> at(NOW).load(cert.toString(), "", "x"));
        assertTrue(half.getMessage().contains("give both"), half.getMessage());
    }

    private static List<List<?>> names(Collection<List<?>> names) {
        return List.copyOf(names);
    }
}
