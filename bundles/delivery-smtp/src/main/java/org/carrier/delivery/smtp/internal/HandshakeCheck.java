package org.carrier.delivery.smtp.internal;

import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocketFactory;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyReport.Enforcement;
import org.carrier.delivery.smtp.internal.tls.DaneTrustManager;
import org.carrier.delivery.smtp.internal.tls.EffectiveTlsPolicy;
import org.carrier.delivery.smtp.internal.tls.TlsaMatch;

/**
 * How one STARTTLS handshake checks the server under its policy, and what the log line and TLS-RPT say of it:
 * DANE trusts only the TLSA records (a trust manager per connection, no name check for DANE-EE), {@code verify} and
 * MTA-STS {@code enforce} the PKIX roots and the host's name, the rest anything (opportunistic, RFC 7435).
 */
final class HandshakeCheck {
    private final EffectiveTlsPolicy policy;
    private final TlsContexts contexts;
    private final SSLSocketFactory factory;
    private final DaneTrustManager dane;

    private HandshakeCheck(EffectiveTlsPolicy policy, TlsContexts contexts, SSLSocketFactory factory, DaneTrustManager dane) {
        this.policy = policy;
        this.contexts = contexts;
        this.factory = factory;
        this.dane = dane;
    }

    static HandshakeCheck of(EffectiveTlsPolicy policy, TlsContexts contexts) throws SSLException {
        if (policy.enforcement() == Enforcement.DANE) {
            DaneTrustManager dane = new DaneTrustManager(policy.tlsa(), policy.names());
            try {
                return new HandshakeCheck(policy, contexts, TlsContexts.dane(dane), dane);
            } catch (GeneralSecurityException e) {
                throw new SSLException("cannot make a DANE TLS context: " + e.getMessage(), e);
            }
        }
        return new HandshakeCheck(policy, contexts, checksName(policy) ? contexts.verifying() : contexts.unchecked(), null);
    }

    private static boolean checksName(EffectiveTlsPolicy policy) {
        return policy.enforcement() == Enforcement.VERIFY || policy.enforcement() == Enforcement.MTA_STS_ENFORCE;
    }

    SSLSocketFactory factory() {
        return factory;
    }

    /** Whether the JDK checks the certificate names the host (RFC 6125): verify and MTA-STS enforce (RFC 8461 §4.2). */
    boolean checksName() {
        return checksName(policy);
    }

    /**
     * Postfix's words: "Verified" when the policy authenticated the server, "Trusted" when an unchecked chain would
     * still pass the PKIX roots, "Untrusted" otherwise.
     */
    String trustWord(PeerConnection connection) {
        if (policy.authenticated()) {
            return "Verified";
        }
        SSLSession session = connection.sslSession();
        try {
            Certificate[] chain = session == null ? null : session.getPeerCertificates();
            return chain != null && contexts.pkixTrusted(chain) ? "Trusted" : "Untrusted";
        } catch (SSLPeerUnverifiedException e) {
            return "Untrusted";
        }
    }

    /** The log line's tail: which TLSA record matched, e.g. {@code  (DANE-EE 3 1 1)}, or the MTA-STS policy. */
    String detail() {
        if (dane != null && dane.matched() != null) {
            return " (" + TlsaMatch.describe(dane.matched()) + ")";
        }
        return switch (policy.enforcement()) {
            case MTA_STS_ENFORCE -> " (MTA-STS enforce " + policy.mtaSts().id() + ")";
            case MTA_STS_TESTING -> " (MTA-STS testing " + policy.mtaSts().id() + ")";
            default -> "";
        };
    }

    /** Why the handshake failed, in the deferral's words: {@code dane: TLSA 3 1 1 ab.. did not match}. */
    String problem(SSLException e) {
        if (dane != null && dane.problem() != null) {
            return "dane: " + dane.problem();
        }
        return e.getMessage();
    }

    /** The TLS-RPT result type of a failed handshake (RFC 8460 §4.3.1). */
    TlsFailureType failureType(SSLException e) {
        if (dane != null && dane.failure() != null) {
            return dane.failure();
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateExpiredException || cause instanceof CertificateNotYetValidException) {
                return TlsFailureType.CERTIFICATE_EXPIRED;
            }
            String message = String.valueOf(cause.getMessage());
            if (message.contains("No subject alternative") || message.contains("No name matching")) {
                return TlsFailureType.CERTIFICATE_HOST_MISMATCH;
            }
            if (message.contains("PKIX path")) {
                return TlsFailureType.CERTIFICATE_NOT_TRUSTED;
            }
        }
        return TlsFailureType.VALIDATION_FAILURE;
    }
}
