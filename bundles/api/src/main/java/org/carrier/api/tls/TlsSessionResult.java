package org.carrier.api.tls;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How one outbound TLS attempt to a recipient domain's MX host ended, as TLS-RPT counts it (RFC 8460 §4.4): a
 * success, or a failure of one {@link TlsFailureType}.
 *
 * @param policyDomain   the domain whose policy applied (the recipient domain), lower case
 * @param policyType     which policy applied
 * @param policyStrings  the policy as reported ({@code policy-string}): TLSA records in presentation form, or the
 *                       MTA-STS policy's lines; empty for {@link TlsPolicyType#NO_POLICY_FOUND}
 * @param mxHost         the MX host tried ({@code receiving-mx-hostname}); empty when none was (an MTA-STS policy
 *                       that could not be fetched, RFC 8460 §4.3.2.2)
 * @param sendingIp      the local address of the connection, or {@code null} if none was made
 * @param receivingIp    the MX host's address, or {@code null} if none was reached
 * @param failure        the failure, or {@code null} for a success
 * @param failureReason  a short free-text detail of the failure ({@code failure-reason-code}), or {@code null}
 */
public record TlsSessionResult(String policyDomain, TlsPolicyType policyType, List<String> policyStrings,
                               String mxHost, InetAddress sendingIp, InetAddress receivingIp,
                               TlsFailureType failure, String failureReason) {
    public TlsSessionResult {
        policyDomain = Objects.requireNonNull(policyDomain, "policyDomain").toLowerCase(Locale.ROOT);
        Objects.requireNonNull(policyType, "policyType");
        policyStrings = List.copyOf(policyStrings);
        Objects.requireNonNull(mxHost, "mxHost");
    }

    public static TlsSessionResult success(String policyDomain, TlsPolicyType policyType, List<String> policyStrings,
                                           String mxHost, InetAddress sendingIp, InetAddress receivingIp) {
        return new TlsSessionResult(policyDomain, policyType, policyStrings, mxHost, sendingIp, receivingIp, null, null);
    }

    public static TlsSessionResult failure(String policyDomain, TlsPolicyType policyType, List<String> policyStrings,
                                           String mxHost, InetAddress sendingIp, InetAddress receivingIp,
                                           TlsFailureType failure, String failureReason) {
        return new TlsSessionResult(policyDomain, policyType, policyStrings, mxHost, sendingIp, receivingIp,
                Objects.requireNonNull(failure, "failure"), failureReason);
    }

    public boolean successful() {
        return failure == null;
    }

    public Optional<TlsFailureType> failureType() {
        return Optional.ofNullable(failure);
    }
}
