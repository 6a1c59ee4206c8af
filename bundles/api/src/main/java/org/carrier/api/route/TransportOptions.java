package org.carrier.api.route;

import java.util.Objects;

/**
 * Per-route settings a transport applies to its connections: the TLS policy and, for smarthosts,
 * the SMTP AUTH credentials (RFC 4954).
 *
 * @param tls          the TLS policy
 * @param authUser     the user to authenticate as, or {@code null} for no AUTH
 * @param authPassword the password for {@code authUser}, or {@code null}
 * @param mxHosts      whether the next hops are the recipient domain's MX hosts found in DNS ({@code mx} routes),
 *                     not hosts named in the route: DANE then needs a DNSSEC-secure MX answer (RFC 7672 §2.2.1), and
 *                     the recipient domain's MTA-STS policy applies (RFC 8461 §4); since 1.5
 */
public record TransportOptions(TlsPolicy tls, String authUser, String authPassword, boolean mxHosts) {
    /** Opportunistic TLS, no AUTH: what a route gets unless it says otherwise. */
    public static final TransportOptions DEFAULT = new TransportOptions(TlsPolicy.MAY, null, null);

    public TransportOptions {
        Objects.requireNonNull(tls, "tls");
        if ((authUser == null) != (authPassword == null)) {
            throw new IllegalArgumentException("AUTH needs both a user and a password");
        }
    }

    /** Options for configured next hops (not MX hosts). */
    public TransportOptions(TlsPolicy tls, String authUser, String authPassword) {
        this(tls, authUser, authPassword, false);
    }

    /** These options for next hops that are the recipient domain's MX hosts. @since 1.5 */
    public TransportOptions forMxHosts() {
        return new TransportOptions(tls, authUser, authPassword, true);
    }

    /** Whether the transport should authenticate. */
    public boolean authenticates() {
        return authUser != null;
    }

    /** Never shows the password, so the options can be logged. */
    @Override
    public String toString() {
        return "tls=" + tls + (authenticates() ? " auth=" + authUser : "");
    }
}
