package org.carrier.api.transport;

/**
 * The result of one delivery attempt for one recipient.
 */
public enum Outcome {
    /** Delivered, or accepted by the next hop with a 2xx reply. */
    DELIVERED,
    /** Failed temporarily (4xx, connection trouble): try again later (RFC 5321 §4.5.4.1). */
    DEFERRED,
    /** Failed permanently (5xx): do not retry. */
    FAILED
}
