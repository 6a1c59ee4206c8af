package org.carrier.tlsreport.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsSessionResult;

/** Session results as the SMTP transport reports them, for the tests. */
final class Results {
    static final List<String> STS_POLICY = List.of("version: STSv1", "mode: testing", "mx: mx1.example.test",
            "mx: *.mail.example.test", "max_age: 86400");
    static final List<String> TLSA_RECORDS = List.of("3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    private Results() {
    }

    static TlsSessionResult stsSuccess() {
        return TlsSessionResult.success("example.test", TlsPolicyType.STS, STS_POLICY, "mx1.example.test",
                ip("127.0.0.1"), ip("127.0.0.5"));
    }

    static TlsSessionResult stsFailure(TlsFailureType type, String reason) {
        return TlsSessionResult.failure("example.test", TlsPolicyType.STS, STS_POLICY, "mx1.example.test",
                ip("127.0.0.1"), ip("127.0.0.5"), type, reason);
    }

    static TlsSessionResult tlsaSuccess() {
        return TlsSessionResult.success("Example.TEST", TlsPolicyType.TLSA, TLSA_RECORDS, "mx2.example.test",
                ip("::1"), ip("127.0.0.6"));
    }

    static TlsSessionResult noPolicyFailure(String domain) {
        return TlsSessionResult.failure(domain, TlsPolicyType.NO_POLICY_FOUND, List.of(), "mx.other.test",
                ip("127.0.0.1"), null, TlsFailureType.STARTTLS_NOT_SUPPORTED, null);
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
