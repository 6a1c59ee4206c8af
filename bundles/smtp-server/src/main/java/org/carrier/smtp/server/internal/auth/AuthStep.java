package org.carrier.smtp.server.internal.auth;

import org.carrier.api.message.SmtpReply;

/**
 * What the session does after one step of an AUTH exchange.
 *
 * @param outcome what happened
 * @param reply   the reply to send (for {@link Outcome#FAILED}: after the failure delay)
 * @param user    {@link Outcome#AUTHENTICATED}: the authenticated identity; {@link Outcome#FAILED}: the identity tried,
 *                when the client sent one that could be read (for the log line, never for a decision); else null
 */
public record AuthStep(Outcome outcome, SmtpReply reply, String user) {

    public enum Outcome {
        /** Send the 334 challenge and give the client's next line to {@link AuthExchange#respond}. */
        CHALLENGE,
        /** 235: the session is authenticated as {@link #user()}. */
        AUTHENTICATED,
        /** 535: wrong credentials. Counts as a failure for the delay policy; the session stays unauthenticated. */
        FAILED,
        /** The exchange ended without a verdict (cancelled, bad base64, unknown mechanism, syntax): reply at once. */
        ABORTED
    }

    static AuthStep challenge(String base64) {
        return new AuthStep(Outcome.CHALLENGE, AuthReplies.challenge(base64), null);
    }

    static AuthStep authenticated(String user) {
        return new AuthStep(Outcome.AUTHENTICATED, AuthReplies.SUCCESS, user);
    }

    static AuthStep failed(String attemptedUser) {
        return new AuthStep(Outcome.FAILED, AuthReplies.INVALID_CREDENTIALS, attemptedUser);
    }

    static AuthStep aborted(SmtpReply reply) {
        return new AuthStep(Outcome.ABORTED, reply, null);
    }

    /** Whether the exchange is over (anything but a challenge). */
    public boolean finished() {
        return outcome != Outcome.CHALLENGE;
    }
}
