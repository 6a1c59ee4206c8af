package org.carrier.api.queue;

/**
 * Where one recipient of a queued message stands.
 */
public enum DeliveryState {
    /** Not yet attempted. */
    PENDING,
    /** A delivery attempt failed temporarily; another is scheduled (RFC 5321 §4.5.4.1). */
    DEFERRED,
    /** Delivered: a transport took responsibility for it. */
    DELIVERED,
    /** Failed permanently, or expired after the maximum queue lifetime. */
    FAILED;

    /** Whether nothing more will be done for this recipient. */
    public boolean isFinal() {
        return this == DELIVERED || this == FAILED;
    }
}
