package org.carrier.api.route;

import java.util.Locale;
import java.util.Optional;

/**
 * How a transport protects its connection to a next hop with TLS (RFC 3207 STARTTLS).
 */
public enum TlsPolicy {
    /** Never use TLS. */
    NONE,
    /** Use STARTTLS when the peer offers it; deliver in the clear otherwise (opportunistic TLS, RFC 7435). */
    MAY,
    /** Require TLS; the certificate is not checked. Without STARTTLS the delivery is deferred. */
    ENCRYPT,
    /** Require TLS with a certificate that chains to a trusted root and names the next hop's host (RFC 6125). */
    VERIFY,
    /**
     * DANE where the next hop publishes DNSSEC-secure TLSA records (RFC 7672): TLS required and the certificate matched
     * against them; otherwise the domain's MTA-STS policy if it has one (RFC 8461 §2: DANE wins where both exist);
     * otherwise {@link #MAY}. The default of {@code mx} routes.
     *
     * @since 1.5
     */
    DANE,
    /**
     * Only DANE-authenticated delivery: a next hop without DNSSEC-secure TLSA records is not used, and with none left
     * the mail is deferred.
     *
     * @since 1.5
     */
    DANE_ONLY;

    /**
     * The name a route's {@code tls} setting gives it: {@code none}, {@code may}, {@code encrypt}, {@code verify},
     * {@code dane}, {@code dane-only}.
     *
     * @since 1.5
     */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The policy a {@code tls} setting names (case does not matter), or empty for anything else.
     *
     * @since 1.5
     */
    public static Optional<TlsPolicy> parse(String configName) {
        for (TlsPolicy policy : values()) {
            if (policy.configName().equalsIgnoreCase(configName.strip())) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }

    /** Whether this policy looks for TLSA records (DANE, RFC 7672). @since 1.5 */
    public boolean usesDane() {
        return this == DANE || this == DANE_ONLY;
    }
}
