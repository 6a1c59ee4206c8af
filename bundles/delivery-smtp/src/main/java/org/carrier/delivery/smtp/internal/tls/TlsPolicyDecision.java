package org.carrier.delivery.smtp.internal.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.DnsWait;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyReport.Enforcement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides the TLS policy of a next hop, for deliveries and for the route report alike. In order:
 * <ol>
 *   <li>{@code tls = none, may, encrypt, verify}: as the route says.</li>
 *   <li>{@code dane, dane-only}: DANE applies to a host only if the MX answer is DNSSEC-secure (for an {@code mx} route;
 *       an {@code smtp} route's host name is configured, so it is its own TLSA base domain), the host's address
 *       records are secure, and the TLSA records at {@code _PORT._tcp.HOST} are secure and not empty (RFC 7672
 *       §2.1-2.2). A bogus answer anywhere skips the host (RFC 7672 §2.1.1: never treated as insecure). A secure
 *       TLSA set without a usable record skips the host too: RFC 7672 §2.2 would allow mandatory unauthenticated TLS
 *       there, but the issue asks for the safer choice, deferral, and the operator sees the bad records logged.</li>
 *   <li>Without DANE, an {@code mx} route under {@code dane} applies the recipient domain's MTA-STS policy (RFC 8461
 *       §2: DANE wins where both exist): {@code enforce} uses only MX hosts the policy names, with a PKIX-valid
 *       certificate for the host; {@code testing} delivers as {@code may} and reports. Without either: {@code may}.
 *       {@code dane-only} without secure TLSA skips the host.</li>
 *   <li>The message's {@link TlsDemand}: REQUIRETLS skips (permanently) a host whose policy would not authenticate,
 *       and under {@code verify} an MX host whose name neither a signed MX answer nor MTA-STS enforce validates;
 *       a relaxed message ({@code TLS-Required: No}, a TLS report) turns a skipped host into {@code may}.</li>
 * </ol>
 * TLSA, MX and address answers are cached by the dns bundle for their TTL, so this asks DNS only when that expired.
 */
public final class TlsPolicyDecision {
    private static final Logger LOG = LoggerFactory.getLogger(TlsPolicyDecision.class);

    private final Supplier<DnsResolver> dns;
    private final Supplier<MtaStsPolicies> mtaSts;
    private final Duration maxWait;

    public TlsPolicyDecision(Supplier<DnsResolver> dns, Supplier<MtaStsPolicies> mtaSts, Duration maxWait) {
        this.dns = dns;
        this.mtaSts = mtaSts;
        this.maxWait = maxWait;
    }

    /**
     * The policy for one next hop.
     *
     * @param domain   the recipient domain (lower case), or null when the request's recipients span several
     * @param hop      the next hop
     * @param options  the route's options
     * @param demand   the message's demand
     * @param recorded whether TLS-RPT records this attempt (not for a TLS report itself, RFC 8460 §5.3)
     */
    public EffectiveTlsPolicy decide(String domain, NextHop hop, TransportOptions options, TlsDemand demand, boolean recorded) {
        String host = normalised(hop.host());
        String reportDomain = recorded && options.mxHosts() && domain != null ? domain : null;
        EffectiveTlsPolicy policy = options.tls().usesDane()
                ? dane(domain, host, hop.port(), options, reportDomain)
                : routeSetting(options.tls(), host, reportDomain);
        if (demand == TlsDemand.AUTHENTICATED && policy.enforcement() == Enforcement.VERIFY && options.mxHosts()) {
            policy = mxNameValidated(domain, host, policy);
        }
        return applyDemand(policy, demand);
    }

    /**
     * RFC 8689 §4.2.1 step 2: REQUIRETLS towards an MX host found in DNS needs that host's name validated, by a
     * DNSSEC-signed MX answer or by the domain's MTA-STS {@code enforce} policy naming it; {@code tls = verify} alone
     * checks the certificate against whatever MX answer came, which an attacker on the path may have forged. DANE and
     * MTA-STS enforce validate the name themselves. Not validated: the host is skipped for good ({@code 5.7.10}); the
     * MX answer not to be had now (a DNS failure, a bogus answer): skipped for now ({@code 4.7.5}).
     */
    private EffectiveTlsPolicy mxNameValidated(String domain, String host, EffectiveTlsPolicy policy) {
        DnsResolver resolver = dns.get();
        try {
            if (domain != null && resolver != null && await(resolver.mxAnswer(domain)).secure()) {
                return policy;
            }
        } catch (DnsLookupException e) {
            return skip(host, "REQUIRETLS: the MX answer for " + domain + " cannot be checked now: " + e.getMessage(),
                    TlsFailureType.VALIDATION_FAILURE, policy.names(), policy.reportDomain());
        }
        MtaStsPolicies source = mtaSts.get();
        Optional<MtaStsPolicy> sts = domain == null || source == null ? Optional.empty() : stsPolicy(source, domain);
        if (sts.isPresent() && sts.get().mode() == MtaStsMode.ENFORCE && sts.get().allows(host)) {
            return policy;
        }
        return new EffectiveTlsPolicy(Enforcement.SKIPPED, List.of(), policy.mtaSts(), "REQUIRETLS needs the MX host's name "
                + "validated (RFC 8689 §4.2.1), but the MX answer for " + domain + " is not DNSSEC-signed and no MTA-STS "
                + "enforce policy names " + host, policy.sniName(), policy.names(), TlsFailureType.VALIDATION_FAILURE, true,
                false, policy.reportDomain());
    }

    private EffectiveTlsPolicy dane(String domain, String host, int port, TransportOptions options, String reportDomain) {
        List<String> names = options.mxHosts() && domain != null && !domain.equals(host) ? List.of(host, domain) : List.of(host);
        try {
            String insecure = insecureBecause(domain, host, options);
            if (insecure == null) {
                String tlsaName = "_" + port + "._tcp." + host;
                DnsAnswer<TlsaRecord> tlsa = await(dns.get().tlsa(tlsaName));
                if (tlsa.secure() && !tlsa.isEmpty()) {
                    return secureTlsa(domain, host, tlsaName, tlsa.records(), names, reportDomain);
                }
                insecure = tlsa.secure() ? "no TLSA records at " + tlsaName + " (secure denial)" : "TLSA at " + tlsaName + " not DNSSEC-signed";
            }
            if (options.tls() == TlsPolicy.DANE_ONLY) {
                return skip(host, "dane-only: " + insecure, TlsFailureType.DANE_REQUIRED, names, reportDomain);
            }
            return withoutDane(domain, host, options, insecure, names, reportDomain);
        } catch (DnsLookupException e) {
            boolean bogus = e.getMessage() != null && e.getMessage().contains("DNSSEC bogus");
            return skip(host, (bogus ? "" : "DNS lookup failed, ") + e.getMessage(),
                    bogus ? TlsFailureType.DNSSEC_INVALID : TlsFailureType.VALIDATION_FAILURE, names, reportDomain);
        }
    }

    /** Null when DANE may apply to the host (RFC 7672 §2.2.1, §2.2.2), else why not. */
    private String insecureBecause(String domain, String host, TransportOptions options) throws DnsLookupException {
        DnsResolver resolver = dns.get();
        if (resolver == null) {
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, "no DNS resolver to look up TLSA records");
        }
        if (options.mxHosts() && domain != null && !await(resolver.mxAnswer(domain)).secure()) {
            return "MX of " + domain + " not DNSSEC-signed";
        }
        if (!await(resolver.addressesAnswer(host)).secure()) {
            return "addresses of " + host + " not DNSSEC-signed";
        }
        return null;
    }

    private EffectiveTlsPolicy secureTlsa(String domain, String host, String tlsaName, List<TlsaRecord> records,
                                          List<String> names, String reportDomain) {
        List<TlsaRecord> usable = new ArrayList<>();
        for (TlsaRecord record : records) {
            Optional<String> problem = TlsaMatch.unusable(record);
            if (problem.isPresent()) {
                LOG.warn("TLSA record {} at {} (domain {}) is unusable: {}", record, tlsaName, domain == null ? host : domain,
                        problem.get());
            } else {
                usable.add(record);
            }
        }
        if (usable.isEmpty()) {
            return new EffectiveTlsPolicy(Enforcement.SKIPPED, List.of(), null, "dane: no usable TLSA record at " + tlsaName
                    + " (" + records + ")", host, names, TlsFailureType.TLSA_INVALID, false, false, reportDomain);
        }
        return new EffectiveTlsPolicy(Enforcement.DANE, usable, null, "secure TLSA at " + tlsaName, host, names, null, false,
                false, reportDomain);
    }

    private EffectiveTlsPolicy withoutDane(String domain, String host, TransportOptions options, String why,
                                           List<String> names, String reportDomain) {
        MtaStsPolicies source = mtaSts.get();
        if (!options.mxHosts() || domain == null || source == null) {
            return new EffectiveTlsPolicy(Enforcement.MAY, List.of(), null, why, host, names, null, false, false, reportDomain);
        }
        Optional<MtaStsPolicy> policy = stsPolicy(source, domain);
        if (policy.isEmpty() || policy.get().mode() == MtaStsMode.NONE) {
            return new EffectiveTlsPolicy(Enforcement.MAY, List.of(), null, why + "; no MTA-STS policy", host, names, null,
                    false, false, reportDomain);
        }
        MtaStsPolicy sts = policy.get();
        String stsWhy = why + "; MTA-STS " + sts.mode().wireName() + " policy " + sts.id();
        if (sts.mode() == MtaStsMode.TESTING) {
            return new EffectiveTlsPolicy(Enforcement.MTA_STS_TESTING, List.of(), sts, stsWhy, host, List.of(host), null,
                    false, false, reportDomain);
        }
        if (!sts.allows(host)) {
            return new EffectiveTlsPolicy(Enforcement.SKIPPED, List.of(), sts, "mta-sts: " + host + " is not in the policy's mx "
                    + sts.mx(), host, List.of(host), TlsFailureType.VALIDATION_FAILURE, false, false, reportDomain);
        }
        return new EffectiveTlsPolicy(Enforcement.MTA_STS_ENFORCE, List.of(), sts, stsWhy, host, List.of(host), null, false,
                false, reportDomain);
    }

    private Optional<MtaStsPolicy> stsPolicy(MtaStsPolicies source, String domain) {
        try {
            return await(source.policy(domain));
        } catch (DnsLookupException e) {
            // The source never fails by contract; if it does, its cached policy is the safe answer (RFC 8461 §5.1).
            return source.cached(domain);
        }
    }

    private static EffectiveTlsPolicy routeSetting(TlsPolicy tls, String host, String reportDomain) {
        Enforcement enforcement = switch (tls) {
            case NONE -> Enforcement.NONE;
            case ENCRYPT -> Enforcement.ENCRYPT;
            case VERIFY -> Enforcement.VERIFY;
            default -> Enforcement.MAY;
        };
        return new EffectiveTlsPolicy(enforcement, List.of(), null, "tls = " + tls.configName(), host, List.of(host), null,
                false, false, reportDomain);
    }

    private static EffectiveTlsPolicy skip(String host, String why, TlsFailureType failure, List<String> names,
                                           String reportDomain) {
        return new EffectiveTlsPolicy(Enforcement.SKIPPED, List.of(), null, why, host, names, failure, false, false, reportDomain);
    }

    private static EffectiveTlsPolicy applyDemand(EffectiveTlsPolicy policy, TlsDemand demand) {
        return switch (demand) {
            case ROUTE -> policy;
            case AUTHENTICATED -> policy.authenticated() || policy.skipped() ? policy
                    : new EffectiveTlsPolicy(Enforcement.SKIPPED, List.of(), policy.mtaSts(), "REQUIRETLS needs authenticated "
                    + "TLS (DANE, MTA-STS enforce or tls = verify), but " + policy.reason(), policy.sniName(), policy.names(),
                    TlsFailureType.VALIDATION_FAILURE, true, false, policy.reportDomain());
            case RELAXED -> policy.skipped() ? policy.opportunistic("TLS-Required: No, although " + policy.reason())
                    : new EffectiveTlsPolicy(policy.enforcement(), policy.tlsa(), policy.mtaSts(), policy.reason(),
                    policy.sniName(), policy.names(), null, false, true, policy.reportDomain());
        };
    }

    private <T> T await(CompletionStage<T> stage) throws DnsLookupException {
        return DnsWait.await(stage, maxWait, null);
    }

    static String normalised(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
