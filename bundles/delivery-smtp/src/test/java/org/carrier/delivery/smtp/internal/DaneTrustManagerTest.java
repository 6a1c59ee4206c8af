package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.delivery.smtp.internal.tls.DaneTrustManager;
import org.carrier.delivery.smtp.internal.tls.TlsaMatch;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DANE matcher (RFC 7671 §5, RFC 7672 §3) against certificates made by the test's own CA. */
class DaneTrustManagerTest {
    @TempDir
    static Path folder;
    static TestCa certificates;
    static TestCa.Issued localhost;
    static TestCa.Issued mx;
    static TestCa.Issued wildcard;
    static TestCa.Issued expired;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCa.create(folder);
        localhost = certificates.issue("localhost");
        mx = certificates.issue("mx.secure.test");
        wildcard = certificates.issue("*.secure.test");
        expired = certificates.issueExpired("mx.secure.test");
    }

    static TlsaRecord tlsa(int usage, int selector, int matching, X509Certificate cert) throws Exception {
        byte[] selected = selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
        byte[] data = switch (matching) {
            case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
            case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
            default -> selected;
        };
        return new TlsaRecord(usage, selector, matching, data);
    }

    private static DaneTrustManager trusting(TlsaRecord... records) {
        return new DaneTrustManager(List.of(records), List.of("mx.secure.test", "secure.test"));
    }

    @Test
    void daneEeMatchesTheLeafByEachSelectorAndMatchingType() throws Exception {
        for (int selector = 0; selector <= 1; selector++) {
            for (int matching = 0; matching <= 2; matching++) {
                TlsaRecord record = tlsa(3, selector, matching, localhost.certificate());
                DaneTrustManager trust = trusting(record);
                trust.checkServerTrusted(localhost.chain(), "UNKNOWN");
                assertEquals(record, trust.matched());
            }
        }
    }

    @Test
    void daneEeChecksNeitherNameNorDates() throws Exception {
        // RFC 7671 §5.1: the key is what is pinned; a certificate for localhost that expired is still this server's key.
        trusting(tlsa(3, 1, 1, expired.certificate())).checkServerTrusted(expired.chain(), "UNKNOWN");
        trusting(tlsa(3, 1, 1, localhost.certificate())).checkServerTrusted(localhost.chain(), "UNKNOWN");
    }

    @Test
    void aDaneEeMismatchIsRefusedNamingTheRecord() throws Exception {
        TlsaRecord other = tlsa(3, 1, 1, mx.certificate());
        DaneTrustManager trust = trusting(other);
        CertificateException e = assertThrows(CertificateException.class, () -> trust.checkServerTrusted(localhost.chain(), "UNKNOWN"));
        assertEquals("TLSA " + other + " did not match", e.getMessage());
        assertEquals(TlsFailureType.VALIDATION_FAILURE, trust.failure());
    }

    @Test
    void daneTaMatchesTheCaInTheChainAndChecksTheLeafsName() throws Exception {
        TlsaRecord ca = tlsa(2, 0, 1, certificates.ca());
        trusting(ca).checkServerTrusted(mx.chain(), "UNKNOWN");
        trusting(tlsa(2, 1, 1, certificates.ca())).checkServerTrusted(mx.chain(), "UNKNOWN");
        DaneTrustManager wrongName = trusting(ca);
        CertificateException e = assertThrows(CertificateException.class, () -> wrongName.checkServerTrusted(localhost.chain(), "UNKNOWN"));
        assertEquals(TlsFailureType.CERTIFICATE_HOST_MISMATCH, wrongName.failure());
        assertTrue(e.getMessage().contains("[localhost]"), e.getMessage());
    }

    @Test
    void daneTaAcceptsTheNextHopDomainAndALeftmostWildcardOnly() throws Exception {
        TlsaRecord ca = tlsa(2, 0, 1, certificates.ca());
        trusting(ca).checkServerTrusted(wildcard.chain(), "UNKNOWN");
        DaneTrustManager deeper = new DaneTrustManager(List.of(ca), List.of("a.mx.secure.test"));
        assertThrows(CertificateException.class, () -> deeper.checkServerTrusted(wildcard.chain(), "UNKNOWN"));
        // the second name is the next-hop domain (RFC 7672 §3.2.2): a certificate for it is as good as one for the base domain
        new DaneTrustManager(List.of(ca), List.of("other.secure.test", "mx.secure.test")).checkServerTrusted(mx.chain(), "UNKNOWN");
    }

    @Test
    void daneTaRefusesAnExpiredLeaf() throws Exception {
        DaneTrustManager trust = trusting(tlsa(2, 0, 1, certificates.ca()));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(expired.chain(), "UNKNOWN"));
        assertEquals(TlsFailureType.CERTIFICATE_EXPIRED, trust.failure());
    }

    @Test
    void daneTaRefusesAChainWhoseLeafTheAnchorDidNotSign() throws Exception {
        // the anchor's record matches mx's certificate, but the leaf presented below it was signed by the CA, not by mx
        X509Certificate[] unrelated = {localhost.certificate(), mx.certificate()};
        DaneTrustManager trust = trusting(tlsa(2, 0, 1, mx.certificate()));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(unrelated, "UNKNOWN"));
        assertEquals(TlsFailureType.CERTIFICATE_NOT_TRUSTED, trust.failure());
    }

    @Test
    void onlyDaneUsagesKnownSelectorsAndRightHashLengthsAreUsable() throws Exception {
        assertEquals(Optional.empty(), TlsaMatch.unusable(tlsa(3, 1, 1, localhost.certificate())));
        assertEquals(Optional.empty(), TlsaMatch.unusable(tlsa(2, 0, 2, certificates.ca())));
        assertTrue(TlsaMatch.unusable(tlsa(1, 1, 1, localhost.certificate())).orElseThrow().contains("PKIX"));
        assertTrue(TlsaMatch.unusable(tlsa(0, 0, 1, certificates.ca())).orElseThrow().contains("PKIX"));
        assertEquals(Optional.of("usage 7 is unknown"), TlsaMatch.unusable(new TlsaRecord(7, 1, 1, new byte[32])));
        assertEquals(Optional.of("selector 2 is unknown"), TlsaMatch.unusable(new TlsaRecord(3, 2, 1, new byte[32])));
        assertEquals(Optional.of("SHA-256 data of 31 octets, not 32"), TlsaMatch.unusable(new TlsaRecord(3, 1, 1, new byte[31])));
        assertEquals(Optional.of("SHA-512 data of 32 octets, not 64"), TlsaMatch.unusable(new TlsaRecord(3, 1, 2, new byte[32])));
        assertEquals(Optional.of("matching type 3 is unknown"), TlsaMatch.unusable(new TlsaRecord(3, 1, 3, new byte[32])));
    }
}
