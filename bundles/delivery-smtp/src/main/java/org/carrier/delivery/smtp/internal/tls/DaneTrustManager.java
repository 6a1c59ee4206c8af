package org.carrier.delivery.smtp.internal.tls;

import java.net.IDN;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;

import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.tls.TlsFailureType;

/**
 * The trust decision of one DANE connection (RFC 7672 §3.1, RFC 7671 §5): the server's chain is accepted only if a
 * usable TLSA record matches. DANE-EE(3): the leaf certificate (selector 0) or its public key (selector 1) matches;
 * neither its names nor its dates are checked (RFC 7671 §5.1). DANE-TA(2): a certificate of the presented chain
 * matches, the chain from it down to the leaf is signed link by link and within its dates, and the leaf names the
 * TLSA base domain or the next-hop domain (RFC 7672 §3.2.2, a wildcard only as the whole leftmost label, RFC 6125
 * §6.4.3). Nothing else is trusted: there is no fallback to other roots and none to accepting on failure.
 * <p>
 * One instance per connection: after the handshake it tells which record matched, or why none did.
 */
public final class DaneTrustManager implements X509TrustManager {
    private final List<TlsaRecord> records;
    private final List<String> names;
    private volatile TlsaRecord matched;
    private volatile TlsFailureType failure;
    private volatile String problem;

    /**
     * @param records usable TLSA records (see {@link TlsaMatch#unusable})
     * @param names   the names a DANE-TA leaf may carry: the TLSA base domain and the next-hop domain
     */
    public DaneTrustManager(List<TlsaRecord> records, List<String> names) {
        this.records = List.copyOf(records);
        this.names = names.stream().map(DaneTrustManager::normalised).toList();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw fail(TlsFailureType.VALIDATION_FAILURE, "the server presented no certificate");
        }
        String last = null;
        for (TlsaRecord record : records) {
            String why = record.usage() == TlsaMatch.DANE_EE ? endEntity(record, chain[0]) : trustAnchor(record, chain);
            if (why == null) {
                matched = record;
                return;
            }
            last = why;
        }
        throw new CertificateException(problem != null ? problem : last);
    }

    /** The record that matched, or null. */
    public TlsaRecord matched() {
        return matched;
    }

    /** The TLS-RPT failure type of a refused chain (RFC 8460 §4.3.1), or null. */
    public TlsFailureType failure() {
        return failure;
    }

    /** Why the chain was refused, or null. */
    public String problem() {
        return problem;
    }

    /** Null on a match, else the reason. */
    private String endEntity(TlsaRecord record, X509Certificate leaf) {
        if (TlsaMatch.matches(record, leaf)) {
            return null;
        }
        return noteFailure(TlsFailureType.VALIDATION_FAILURE, "TLSA " + record + " did not match");
    }

    private String trustAnchor(TlsaRecord record, X509Certificate[] chain) {
        for (int anchor = 0; anchor < chain.length; anchor++) {
            if (TlsaMatch.matches(record, chain[anchor])) {
                return chainProblem(chain, anchor);
            }
        }
        return noteFailure(TlsFailureType.VALIDATION_FAILURE, "TLSA " + record + " matched no certificate of the chain");
    }

    /** The chain from the leaf up to the trust anchor at {@code anchor}: signatures, dates, the leaf's name. */
    private String chainProblem(X509Certificate[] chain, int anchor) {
        Date now = new Date();
        for (int i = 0; i < anchor; i++) {
            X509Certificate cert = chain[i];
            X500Principal issuer = cert.getIssuerX500Principal();
            if (!issuer.equals(chain[i + 1].getSubjectX500Principal())) {
                return noteFailure(TlsFailureType.CERTIFICATE_NOT_TRUSTED, "certificate " + i + " is not issued by the next one");
            }
            try {
                cert.verify(chain[i + 1].getPublicKey());
            } catch (GeneralSecurityException e) {
                return noteFailure(TlsFailureType.CERTIFICATE_NOT_TRUSTED, "certificate " + i + "'s signature does not verify: " + e.getMessage());
            }
            try {
                cert.checkValidity(now);
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                return noteFailure(TlsFailureType.CERTIFICATE_EXPIRED, "certificate " + i + " is outside its validity: " + e.getMessage());
            }
        }
        List<String> presented = dnsNames(chain[0]);
        for (String name : names) {
            for (String pattern : presented) {
                if (nameMatches(pattern, name)) {
                    return null;
                }
            }
        }
        return noteFailure(TlsFailureType.CERTIFICATE_HOST_MISMATCH, "the certificate names " + presented + ", not " + names);
    }

    private String noteFailure(TlsFailureType type, String why) {
        if (failure == null || failure == TlsFailureType.VALIDATION_FAILURE) {
            failure = type;
            problem = why;
        }
        return why;
    }

    private CertificateException fail(TlsFailureType type, String why) {
        noteFailure(type, why);
        return new CertificateException(why);
    }

    /** The subjectAltName DNS names; the subject's CN only when there are none (RFC 6125 §6.4.4). */
    static List<String> dnsNames(X509Certificate cert) {
        List<String> dns = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0))) {
                        dns.add(normalised(String.valueOf(entry.get(1))));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return dns;
        }
        if (dns.isEmpty()) {
            for (String rdn : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
                if (rdn.regionMatches(true, 0, "CN=", 0, 3)) {
                    dns.add(normalised(rdn.substring(3)));
                }
            }
        }
        return dns;
    }

    /** RFC 6125 §6.4.3: a {@code *} only as the complete leftmost label, standing for exactly one label. */
    static boolean nameMatches(String pattern, String name) {
        if (pattern.startsWith("*.")) {
            int dot = name.indexOf('.');
            return dot > 0 && name.substring(dot + 1).equals(pattern.substring(2)) && pattern.indexOf('*', 1) < 0;
        }
        return pattern.indexOf('*') < 0 && pattern.equals(name);
    }

    private static String normalised(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        lower = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
        try {
            return IDN.toASCII(lower);
        } catch (IllegalArgumentException e) {
            return lower;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
