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

import org.carrier.api.route.TlsPolicy;
import org.carrier.api.tls.WebPkiTrust;

/**
 * The TLS client settings per policy. MAY and ENCRYPT accept any certificate: opportunistic TLS protects
 * against passive listeners only (RFC 7435 §1.3), and refusing a self-signed MX certificate would send the
 * mail in the clear instead. VERIFY trusts as {@link WebPkiTrust} says (the JDK's roots plus an optional CA file), and checks that the
 * certificate names the next hop (RFC 6125 §6, the JDK's "HTTPS" identity rules: DNS-ID, one leftmost wildcard).
 */
final class TlsContexts {
    private final SSLSocketFactory unchecked;
    private final SSLSocketFactory verifying;

    private TlsContexts(SSLSocketFactory unchecked, SSLSocketFactory verifying) {
        this.unchecked = unchecked;
        this.verifying = verifying;
    }

    /**
     * @param caFile PEM file with extra trusted CA certificates, or {@code null}
     * @throws GeneralSecurityException or IOException if the CA file cannot be read
     */
    static TlsContexts create(Path caFile) throws GeneralSecurityException, IOException {
        return new TlsContexts(context(new TrustManager[] {new AcceptAny()}).getSocketFactory(),
                WebPkiTrust.clientContext(caFile).getSocketFactory());
    }

    SSLSocketFactory factory(TlsPolicy policy) {
        return policy == TlsPolicy.VERIFY ? verifying : unchecked;
    }

    /** SNI for the host (RFC 6066 §3) and, for VERIFY, the host name check. */
    static SSLParameters parameters(TlsPolicy policy, String host) {
        SSLParameters parameters = new SSLParameters();
        if (!isAddressLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(IDN.toASCII(host))));
        }
        if (policy == TlsPolicy.VERIFY) {
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
