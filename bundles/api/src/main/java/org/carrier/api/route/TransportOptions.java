package org.carrier.api.route;

import java.util.Objects;

/**
 * Per-route settings a transport applies to its connections: the TLS policy and, for smarthosts,
 * the SMTP AUTH credentials (RFC 4954).
 *
 * @param tls          the TLS policy
 * @param authUser     the user to authenticate as, or {@code null} for no AUTH
 * @param authPassword the password for {@code authUser}, or {@code null}
 */
public record TransportOptions(TlsPolicy tls, String authUser, String authPassword) {
    /** Opportunistic TLS, no AUTH: what a route gets unless it says otherwise. */
    public static final TransportOptions DEFAULT = new TransportOptions(TlsPolicy.MAY, null, null);

    public TransportOptions {
        Objects.requireNonNull(tls, "tls");
        if ((authUser == null) != (authPassword == null)) {
            throw new IllegalArgumentException("AUTH needs both a user and a password");
        }
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
