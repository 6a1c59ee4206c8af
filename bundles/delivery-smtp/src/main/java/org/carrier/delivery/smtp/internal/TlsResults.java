package org.carrier.delivery.smtp.internal;

import java.util.function.Supplier;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.delivery.smtp.internal.tls.EffectiveTlsPolicy;

/**
 * Tells the TLS-RPT recorder (optional: absent, nothing is recorded) how each TLS attempt to an MX host ended
 * (RFC 8460 §4.3, §4.4): once per attempt, under the policy that applied. Attempts whose policy has no report domain
 * (not an MX host, or a TLS report itself, RFC 8460 §5.3) are not recorded, nor are those without any TLS policy.
 */
final class TlsResults {
    static final TlsResults NONE = new TlsResults(() -> null);

    private final Supplier<TlsResultRecorder> recorder;

    TlsResults(Supplier<TlsResultRecorder> recorder) {
        this.recorder = recorder;
    }

    void success(EffectiveTlsPolicy policy, String host, PeerConnection connection) {
        TlsResultRecorder to = recorderFor(policy);
        if (to != null) {
            to.record(TlsSessionResult.success(policy.reportDomain(), policy.reportType(), policy.policyStrings(), host,
                    connection.localAddress(), connection.remoteAddress()));
        }
    }

    /** @param connection the connection, or null when none was made (a host skipped by its policy) */
    void failure(EffectiveTlsPolicy policy, String host, PeerConnection connection, TlsFailureType type, String reason) {
        TlsResultRecorder to = recorderFor(policy);
        if (to != null && type != null) {
            to.record(TlsSessionResult.failure(policy.reportDomain(), policy.reportType(), policy.policyStrings(), host,
                    connection == null ? null : connection.localAddress(), connection == null ? null : connection.remoteAddress(),
                    type, reason));
        }
    }

    private TlsResultRecorder recorderFor(EffectiveTlsPolicy policy) {
        return policy.reportDomain() == null ? null : recorder.get();
    }
}
