package org.carrier.delivery.smtp.internal.tls;

import org.carrier.api.tls.TlsReportMessages;
import org.carrier.api.transport.DeliveryRequest;

/**
 * What one message asks of the outbound TLS policy, on top of what the route and the destination's DANE or MTA-STS
 * policy say. This is the seam for REQUIRETLS (RFC 8689): {@link #of} is the one place that reads it from a delivery
 * request, and the policy decision ({@code TlsPolicyDecision}) the one place that applies it.
 */
public enum TlsDemand {
    /** As the route and the destination's policy say. */
    ROUTE,
    /**
     * Authenticated TLS or nothing (the {@code REQUIRETLS} MAIL parameter, RFC 8689 §4.2.1): a next hop is used only
     * if its TLS is authenticated by DANE, an MTA-STS {@code enforce} policy or {@code tls = verify}; a host whose
     * policy would be opportunistic is skipped, and the delivery fails with {@code 5.7.10} when none is left.
     */
    AUTHENTICATED,
    /**
     * The sender's {@code TLS-Required: No} header field (RFC 8689 §5): a DANE or MTA-STS failure does not stop the
     * delivery, which falls back to opportunistic TLS ({@code may}).
     */
    RELAXED;

    /**
     * The demand of one delivery request. A TLS report Carrier submitted is relaxed: RFC 8460 §5.3 says reports "MUST"
     * be delivered despite TLS failures. Until REQUIRETLS is read from the envelope and the header, other messages take
     * the route's policy.
     */
    public static TlsDemand of(DeliveryRequest request) {
        if (TlsReportMessages.isReport(request.envelope())) {
            return RELAXED;
        }
        return ROUTE;
    }
}
