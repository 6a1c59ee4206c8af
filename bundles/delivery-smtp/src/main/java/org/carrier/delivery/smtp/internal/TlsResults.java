package org.carrier.delivery.smtp.internal;

import java.util.function.Supplier;

import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.delivery.smtp.internal.tls.EffectiveTlsPolicy;

/**
 * Tells the TLS-RPT recorder (optional: absent, nothing is recorded) how each TLS attempt to an MX host ended
 * (RFC 8460 §4.3, §4.4): once per attempt, under the policy that applied. Attempts whose policy has no report domain
 * (not an MX host, or a TLS report itself, RFC 8460 §5.3) are not recorded. Every attempt, recorded or not, is
 * counted in {@code carrier_smtp_tls_sessions_total} by policy ({@code dane}, {@code mta-sts-enforce}, {@code may},
 * ..., {@code skipped}) and outcome ({@code success} or the RFC 8460 result type).
 */
final class TlsResults {
    private final Supplier<TlsResultRecorder> recorder;
    private final CounterFamily sessions;

    TlsResults(Supplier<TlsResultRecorder> recorder, CounterFamily sessions) {
        this.recorder = recorder;
        this.sessions = sessions;
    }

    static CounterFamily sessionCounter() {
        return new CounterFamily("carrier_smtp_tls_sessions_total",
                "Outbound TLS attempts by the TLS policy in force and their outcome (success or the RFC 8460 result type).",
                "policy", "outcome");
    }

    void success(EffectiveTlsPolicy policy, String host, PeerConnection connection) {
        sessions.increment(policy.displayName(), "success");
        TlsResultRecorder to = recorderFor(policy);
        if (to != null) {
            to.record(TlsSessionResult.success(policy.reportDomain(), policy.reportType(), policy.policyStrings(), host,
                    connection.localAddress(), connection.remoteAddress()));
        }
    }

    /** @param connection the connection, or null when none was made (a host skipped by its policy) */
    void failure(EffectiveTlsPolicy policy, String host, PeerConnection connection, TlsFailureType type, String reason) {
        if (type != null) {
            sessions.increment(policy.displayName(), type.wireName());
        }
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
