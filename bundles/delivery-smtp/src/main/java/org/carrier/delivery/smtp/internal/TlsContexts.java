package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.net.IDN;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.carrier.api.tls.WebPkiTrust;
import org.carrier.delivery.smtp.internal.tls.DaneTrustManager;

/**
 * The TLS client settings per policy. MAY and ENCRYPT accept any certificate: opportunistic TLS protects
 * against passive listeners only (RFC 7435 §1.3), and refusing a self-signed MX certificate would send the
 * mail in the clear instead. VERIFY trusts as {@link WebPkiTrust} says (the JDK's roots plus an optional CA file), and checks that the
 * certificate names the next hop (RFC 6125 §6, the JDK's "HTTPS" identity rules: DNS-ID, one leftmost wildcard).
 */
final class TlsContexts {
    private final SSLSocketFactory unchecked;
    private final SSLSocketFactory verifying;
    private final X509TrustManager pkix;

    private TlsContexts(SSLSocketFactory unchecked, SSLSocketFactory verifying, X509TrustManager pkix) {
        this.unchecked = unchecked;
        this.verifying = verifying;
        this.pkix = pkix;
    }

    /**
     * @param caFile PEM file with extra trusted CA certificates, or {@code null}
     * @throws GeneralSecurityException or IOException if the CA file cannot be read
     */
    static TlsContexts create(Path caFile) throws GeneralSecurityException, IOException {
        TrustManager[] pkix = WebPkiTrust.trustManagers(caFile);
        return new TlsContexts(context(new TrustManager[] {new AcceptAny()}).getSocketFactory(),
                context(pkix).getSocketFactory(), x509(pkix));
    }

    /** Accepts any certificate: opportunistic TLS and {@code encrypt}. */
    SSLSocketFactory unchecked() {
        return unchecked;
    }

    /** The JDK's roots plus the CA file: {@code verify} and MTA-STS {@code enforce} (RFC 8461 §4.2). */
    SSLSocketFactory verifying() {
        return verifying;
    }

    /** Trusts only what {@code trust} accepts: one DANE connection's TLSA records (RFC 7672 §3.1). */
    static SSLSocketFactory dane(DaneTrustManager trust) throws GeneralSecurityException {
        return context(new TrustManager[] {trust}).getSocketFactory();
    }

    /**
     * Whether a chain that was accepted without checks would have passed the PKIX roots (the JDK's plus the CA file),
     * names aside: Postfix's "Trusted" rather than "Untrusted" in the log line of an opportunistic session.
     */
    boolean pkixTrusted(java.security.cert.Certificate[] chain) {
        try {
            X509Certificate[] x509 = java.util.Arrays.stream(chain).map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            pkix.checkServerTrusted(x509, "UNKNOWN");
            return true;
        } catch (java.security.cert.CertificateException | ClassCastException | IllegalArgumentException e) {
            return false;
        }
    }

    /** SNI for {@code sniName} (RFC 6066 §3) and, when {@code checkName}, the host name check of RFC 6125. */
    static SSLParameters parameters(String sniName, boolean checkName) {
        SSLParameters parameters = new SSLParameters();
        if (!isAddressLiteral(sniName)) {
            parameters.setServerNames(List.of(new SNIHostName(IDN.toASCII(sniName))));
        }
        if (checkName) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }

    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static SSLContext context(TrustManager[] trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        return context;
    }

    private static X509TrustManager x509(TrustManager[] managers) {
        for (TrustManager tm : managers) {
            if (tm instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("the JDK's trust manager factory made no X509TrustManager");
    }

    /** Opportunistic TLS: encryption without authentication (RFC 7435). */
    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // a client only
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // any certificate: see the class comment
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
