package org.carrier.smtp.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import org.carrier.testing.MutableClock;
import org.carrier.smtp.server.internal.tls.SelfSignedCertificate.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerTlsTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private int version;
    private final MutableClock clock = new MutableClock(START);

    private Path cert() {
        return dir.resolve("fullchain.pem");
    }

    private Path key() {
        return dir.resolve("privkey.pem");
    }

    /** Writes a new pair as a renewal would, each file with a later modification time. */
    private KeyMaterial renew(String hostname) throws Exception {
        KeyMaterial material = SelfSignedCertificate.generate(hostname, KeyType.EC_P256, START);
        PemFiles.writePrivateKey(key(), material.key());
        PemFiles.writeCertificates(cert(), material.chain());
        touch(key());
        touch(cert());
        return material;
    }

    private void touch(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(START.plusSeconds(++version)));
    }

    private ListenerTls load() throws Exception {
        return ListenerTls.load(new ServerCertificates(dir.resolve("tls"), clock), cert().toString(), key().toString(), "x.test",
                Duration.ofSeconds(30), clock);
    }

    @Test
    void aRenewedCertificateIsTakenAfterTheCheckInterval() throws Exception {
        KeyMaterial first = renew("one.test");
        ListenerTls tls = load();
        assertEquals(first.leaf(), tls.current().keyMaterial().leaf());

        KeyMaterial second = renew("two.test");
        assertEquals(first.leaf(), tls.current().keyMaterial().leaf(), "not before the interval");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(second.leaf(), tls.current().keyMaterial().leaf());
        assertTrue(tls.problem().isEmpty());
    }

    @Test
    void aHalfRenewedPairKeepsTheLastGoodOne() throws Exception {
        KeyMaterial first = renew("one.test");
        ListenerTls tls = load();
        ServerTls before = tls.current();

        // Only the certificate is new: it does not match the old key yet.
        PemFiles.writeCertificates(cert(), SelfSignedCertificate.generate("two.test", KeyType.EC_P256, START).chain());
        touch(cert());
        clock.advance(Duration.ofSeconds(30));
        assertSame(before, tls.current());
        assertTrue(tls.problem().orElseThrow().startsWith(key() + ": this key does not belong"), tls.problem().orElseThrow());

        KeyMaterial third = renew("three.test");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(third.leaf(), tls.current().keyMaterial().leaf(), "the completed renewal is taken");
        assertTrue(tls.problem().isEmpty());
        assertEquals(first.key().getAlgorithm(), tls.current().keyMaterial().key().getAlgorithm());
    }

    @Test
    void aSelfSignedListenerIsNotWatched() throws Exception {
        ListenerTls tls = ListenerTls.load(new ServerCertificates(dir.resolve("tls"), clock), "", "", "self.test",
                Duration.ofSeconds(30), clock);
        ServerTls generated = tls.current();
        clock.advance(Duration.ofHours(1));
        assertSame(generated, tls.current());
        assertEquals("CN=self.test", generated.keyMaterial().leaf().getSubjectX500Principal().getName());
    }
}
