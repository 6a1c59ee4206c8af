package org.carrier.api.route;

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
    VERIFY
}
