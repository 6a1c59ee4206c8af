package org.carrier.api.message;

import java.util.Optional;

/**
 * The mail loop rule (RFC 5321 §6.3), one for the SMTP server at reception and the queue before delivery: a message
 * that has made {@code maxHops} hops or more, counted as its Received fields (ours included, like Postfix's
 * {@code hopcount_limit}), is in a loop and is refused with 554 5.4.6 (RFC 3463 §3.5 "routing loop detected").
 */
public final class HopLimit {
    /** Postfix's {@code hopcount_limit}; RFC 5321 §6.3 asks for at least 100 in principle, but no real path is near 50. */
    public static final int DEFAULT_MAX_HOPS = 50;

    private HopLimit() {
    }

    /** The refusal for a message with {@code hops} Received fields, or empty while it is under {@code maxHops}. */
    public static Optional<SmtpReply> refusal(int hops, int maxHops) {
        if (hops < maxHops) {
            return Optional.empty();
        }
        return Optional.of(new SmtpReply(554, "5.4.6", "too many hops (" + hops + " Received fields, the limit is " + maxHops + "): mail loop"));
    }
}
