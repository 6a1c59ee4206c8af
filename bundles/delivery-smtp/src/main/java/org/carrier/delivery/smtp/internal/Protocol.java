package org.carrier.delivery.smtp.internal;

/**
 * The two dialects the client speaks. They share every step but the greeting command and the replies
 * after the data, so one conversation serves both.
 */
enum Protocol {
    /** RFC 5321: EHLO (HELO as fallback) and one reply for the whole message after the data. */
    SMTP("EHLO", true),
    /** RFC 2033: LHLO only, and one reply per accepted recipient after the data (§4.2). */
    LMTP("LHLO", false);

    private final String hello;
    private final boolean heloFallback;

    Protocol(String hello, boolean heloFallback) {
        this.hello = hello;
        this.heloFallback = heloFallback;
    }

    String hello() {
        return hello;
    }

    /** Whether a peer that refuses the hello gets a plain HELO (RFC 5321 §4.1.1.1); LMTP has none. */
    boolean heloFallback() {
        return heloFallback;
    }

    /**
     * Whether a 2xx hands the mail to another MTA (SMTP) rather than into the mailbox (LMTP is final delivery),
     * which matters for success notifications (RFC 3461 §5.2.2).
     */
    boolean relays() {
        return this == SMTP;
    }

    /** How many replies follow the end of the data: one, or one per accepted recipient (RFC 2033 §4.2). */
    int finalReplies(int acceptedRecipients) {
        return this == LMTP ? acceptedRecipients : 1;
    }
}
