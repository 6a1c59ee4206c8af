package org.carrier.delivery.smtp.internal.tls;

import java.io.IOException;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderScan;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.tls.TlsReportMessages;
import org.carrier.api.transport.DeliveryRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(TlsDemand.class);
    /** RFC 8689 §5: the header field by which a sender asks that TLS policy failures not stop the message. */
    static final String TLS_REQUIRED = "TLS-Required";

    /**
     * The demand of one delivery request to another MTA:
     * <ul>
     *   <li>{@link #RELAXED} for a TLS report Carrier submitted (RFC 8460 §5.3: reports "MUST" be delivered despite
     *       TLS-related failures);</li>
     *   <li>{@link #AUTHENTICATED} for a message sent with REQUIRETLS (RFC 8689 §4.2.1), unless it is from the null
     *       reverse-path: §4.2.1 binds only messages whose return path is not empty, and §5 says a REQUIRETLS bounce
     *       should not be lost for want of REQUIRETLS on its way back;</li>
     *   <li>else {@link #RELAXED} for a message whose header says {@code TLS-Required: No} (RFC 8689 §5; §4.1: the
     *       field is ignored when REQUIRETLS was given). The header is read only where a policy could fail, so that
     *       {@code tls = none} and {@code may} routes never open the message for it;</li>
     *   <li>else {@link #ROUTE}.</li>
     * </ul>
     * Final delivery (LMTP into a mailbox store) is not relaying: RFC 8689 §4.4 leaves it to the store's own access
     * rules, so it is always {@link #ROUTE}.
     *
     * @param relays whether the transport hands the mail to another MTA (SMTP), not into a mailbox (LMTP)
     */
    public static TlsDemand of(DeliveryRequest request, boolean relays) {
        if (!relays) {
            return ROUTE;
        }
        Envelope envelope = request.envelope();
        if (TlsReportMessages.isReport(envelope)) {
            return RELAXED; // RFC 8460 §5.3: reports "MUST" be delivered despite TLS failures
        }
        if (envelope.requiresTls()) {
            return envelope.reversePath().isNullSender() ? ROUTE : AUTHENTICATED;
        }
        TlsPolicy tls = request.options().tls();
        if (tls == TlsPolicy.NONE || tls == TlsPolicy.MAY) {
            return ROUTE; // nothing to relax
        }
        return optionalByHeader(request) ? RELAXED : ROUTE;
    }

    /** Whether the header section holds {@code TLS-Required: No} (case-insensitive; a field with another value is ignored). */
    private static boolean optionalByHeader(DeliveryRequest request) {
        try {
            return HeaderScan.values(request.message().headerFields(), TLS_REQUIRED).stream().anyMatch(v -> v.equalsIgnoreCase("No"));
        } catch (IOException e) {
            // Unreadable here, the message fails to send anyway; the route's policy is the safe reading.
            LOG.warn("{}: cannot read the header for {}: {}", request.queueId(), TLS_REQUIRED, e.toString());
            return false;
        }
    }
}
