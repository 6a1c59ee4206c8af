package org.carrier.delivery.smtp.internal.tls;

import java.util.List;
import java.util.Objects;

import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyReport.Enforcement;
import org.carrier.api.tls.TlsPolicyType;

/**
 * The TLS policy one delivery applies to one next hop, decided before connecting ({@link TlsPolicyDecision}).
 *
 * @param enforcement  what the connection does (DANE, MTA-STS enforce, may, ...); {@link Enforcement#SKIPPED}: the host
 *                     is not tried at all
 * @param tlsa         the usable TLSA records (DANE only), else empty
 * @param mtaSts       the recipient domain's MTA-STS policy that applies, or null
 * @param reason       why, for logs and the route report
 * @param sniName      the name sent as SNI and checked by VERIFY/MTA-STS: the TLSA base domain under DANE (RFC 7672
 *                     §8.1), the host otherwise
 * @param names        the names a DANE-TA certificate may carry: the TLSA base domain and the next-hop domain (RFC 7672
 *                     §3.2.2)
 * @param skipFailure  for a skipped host, its TLS-RPT failure type; else null
 * @param permanent    for a skipped host, whether the message can never go this way (REQUIRETLS without an
 *                     authenticated policy: 5.7.10), rather than later (4.7.5)
 * @param relaxed      whether a failure of this policy falls back to opportunistic TLS ({@code TLS-Required: No}, a TLS
 *                     report, RFC 8460 §5.3)
 * @param reportDomain the policy domain TLS-RPT records this attempt under, or null when it records nothing
 */
public record EffectiveTlsPolicy(Enforcement enforcement, List<TlsaRecord> tlsa, MtaStsPolicy mtaSts, String reason,
                                 String sniName, List<String> names, TlsFailureType skipFailure, boolean permanent,
                                 boolean relaxed, String reportDomain) {
    public EffectiveTlsPolicy {
        Objects.requireNonNull(enforcement, "enforcement");
        tlsa = List.copyOf(tlsa);
        Objects.requireNonNull(reason, "reason");
        names = List.copyOf(names);
    }

    /**
     * Whether a session under this policy is authenticated (DANE, MTA-STS enforce, or {@code tls = verify}): what
     * REQUIRETLS needs (RFC 8689 §4.2.1).
     */
    public boolean authenticated() {
        return enforcement.authenticated();
    }

    /** Whether the host may not be used without TLS: DANE, MTA-STS enforce, verify and encrypt. */
    public boolean requiresTls() {
        return enforcement == Enforcement.ENCRYPT || authenticated();
    }

    /** Whether this host is not tried. */
    public boolean skipped() {
        return enforcement == Enforcement.SKIPPED;
    }

    /** The TLS-RPT policy type (RFC 8460 §4.4). */
    public TlsPolicyType reportType() {
        if (!tlsa.isEmpty() || skipFailure == TlsFailureType.TLSA_INVALID || skipFailure == TlsFailureType.DNSSEC_INVALID) {
            return TlsPolicyType.TLSA;
        }
        return mtaSts != null ? TlsPolicyType.STS : TlsPolicyType.NO_POLICY_FOUND;
    }

    /** The policy as TLS-RPT reports it ({@code policy-string}): the TLSA records, or the MTA-STS policy's lines. */
    public List<String> policyStrings() {
        return switch (reportType()) {
            case TLSA -> tlsa.stream().map(TlsaRecord::toString).toList();
            case STS -> mtaSts.policyStrings();
            case NO_POLICY_FOUND -> List.of();
        };
    }

    /** The policy's name for log lines: {@code dane}, {@code mta-sts-enforce}, {@code may}, ... */
    public String displayName() {
        return enforcement.displayName();
    }

    /** The same policy, falling back to opportunistic TLS: for a relaxed policy whose enforcement failed. */
    public EffectiveTlsPolicy opportunistic(String why) {
        return new EffectiveTlsPolicy(Enforcement.MAY, List.of(), mtaSts, why, sniName, names, null, false, false, reportDomain);
    }
}
