package org.carrier.api.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The one rule for which certificate authorities Carrier trusts where a certificate must be valid in the Web PKI
 * sense (PKIX, RFC 5280): the routes with {@code tls = verify}, MTA-STS's policy fetch (RFC 8461 §3.3) and its
 * enforced MX hosts (§4.2). The JDK's roots, plus the certificates of an optional PEM file (a private CA, or a
 * test's).
 */
public final class WebPkiTrust {
    private WebPkiTrust() {
    }

    /**
     * Trust managers for the JDK's default roots plus the certificates of {@code caFile}.
     *
     * @param caFile PEM file with extra trusted CA certificates, or {@code null} for the JDK's roots only
     * @throws IOException              if the file cannot be read
     * @throws GeneralSecurityException if it holds no readable certificate
     */
    public static TrustManager[] trustManagers(Path caFile) throws GeneralSecurityException, IOException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile == null) {
            factory.init((KeyStore) null);
            return factory.getTrustManagers();
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int n = 0;
        for (X509Certificate root : jdkRoots()) {
            store.setCertificateEntry("jdk-" + n++, root);
        }
        int extra = 0;
        try (InputStream in = Files.newInputStream(caFile)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("file-" + n++, certificate);
                extra++;
            }
        }
        if (extra == 0) {
            throw new GeneralSecurityException(caFile + " holds no PEM certificate");
        }
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** A TLS client context that trusts as {@link #trustManagers} says. */
    public static SSLContext clientContext(Path caFile) throws GeneralSecurityException, IOException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers(caFile), null);
        return context;
    }

    private static X509Certificate[] jdkRoots() throws GeneralSecurityException {
        TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jdk.init((KeyStore) null);
        for (TrustManager tm : jdk.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                return x509.getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }
}
