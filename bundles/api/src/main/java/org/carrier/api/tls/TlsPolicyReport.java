package org.carrier.api.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.carrier.api.route.TlsPolicy;

/**
 * The outbound TLS policy in force for one recipient domain and route, per next hop ({@link OutboundTlsPolicies}).
 *
 * @param domain     the recipient domain, lower case
 * @param configured the route's {@code tls} setting
 * @param mtaSts     the domain's MTA-STS policy as cached, or {@code null} (none, not looked at, or no MTA-STS source)
 * @param hosts      per next hop, in the order they are tried
 */
public record TlsPolicyReport(String domain, TlsPolicy configured, MtaStsPolicy mtaSts, List<HostTlsPolicy> hosts) {
    public TlsPolicyReport {
        domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        Objects.requireNonNull(configured, "configured");
        hosts = List.copyOf(hosts);
    }

    /** What a delivery does with one next hop. */
    public enum Enforcement {
        /** No TLS ({@code tls = none}). */
        NONE,
        /** STARTTLS when offered, any certificate, the clear otherwise (RFC 7435). */
        MAY,
        /** TLS required, the certificate not checked. */
        ENCRYPT,
        /** TLS required with a certificate that chains to a trusted root and names the host. */
        VERIFY,
        /** TLS required and the certificate matched against the host's DNSSEC-secure TLSA records (RFC 7672). */
        DANE,
        /** TLS required with a PKIX-valid certificate naming the host, as the domain's MTA-STS policy enforces. */
        MTA_STS_ENFORCE,
        /** Opportunistic, as {@link #MAY}, with failures reported (MTA-STS {@code mode: testing}). */
        MTA_STS_TESTING,
        /** The host is not tried (e.g. bogus DNSSEC, unusable TLSA records, not in the MTA-STS policy, dane-only). */
        SKIPPED;

        /** Whether a delivery under this enforcement has an authenticated TLS session or none at all. */
        public boolean authenticated() {
            return this == VERIFY || this == DANE || this == MTA_STS_ENFORCE;
        }

        /** The name as a report line shows it: {@code mta-sts-enforce}, {@code dane}, ... */
        public String displayName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One next hop's policy.
     *
     * @param host        the host name (MX host or configured next hop)
     * @param enforcement what a delivery does with it
     * @param tlsaRecords the TLSA records used, in presentation form (RFC 6698 §2.2); empty without DANE
     * @param reason      why, in a short sentence (e.g. "secure TLSA at _25._tcp.mx.example.org")
     */
    public record HostTlsPolicy(String host, Enforcement enforcement, List<String> tlsaRecords, String reason) {
        public HostTlsPolicy {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(enforcement, "enforcement");
            tlsaRecords = List.copyOf(tlsaRecords);
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The report as text lines, the one form the console and the shell both show: a line for the domain's MTA-STS
     * policy (mode and age of the cached copy) when there is one, then one line per host, e.g.
     * {@code mx.example.org: dane (3 1 1 ab12..) secure TLSA at _25._tcp.mx.example.org}.
     */
    public List<String> lines(Instant now) {
        List<String> lines = new ArrayList<>();
        lines.add("tls = " + configured.configName() + " for " + domain);
        if (mtaSts != null) {
            Duration age = Duration.between(mtaSts.fetched(), now);
            lines.add("MTA-STS policy " + mtaSts.id() + ": mode " + mtaSts.mode().wireName() + ", mx " + mtaSts.mx()
                    + ", fetched " + age.toMinutes() + " min ago, max_age " + mtaSts.maxAge().toSeconds() + " s"
                    + (mtaSts.expiredAt(now) ? " (expired)" : ""));
        }
        for (HostTlsPolicy host : hosts) {
            lines.add(host.host() + ": " + host.enforcement().displayName()
                    + (host.tlsaRecords().isEmpty() ? "" : " (" + String.join(", ", host.tlsaRecords()) + ")")
                    + " " + host.reason());
        }
        return lines;
    }
}
