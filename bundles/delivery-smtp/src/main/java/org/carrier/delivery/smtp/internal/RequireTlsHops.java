package org.carrier.delivery.smtp.internal;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.SmtpReply;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;

/**
 * What REQUIRETLS asks of each host once the TLS policy let us try it (RFC 8689 §4.2.1): the session must be TLS with an
 * authenticated server (step 4) whose EHLO after STARTTLS offers REQUIRETLS (step 5). A host that fails either is left
 * for the next one; when none is left the message fails for good, since sending again the same way would fail the same
 * way (§4.2.1: "the client MUST NOT transmit the message to the domain"), with the codes RFC 8689 §4.2.1 and §7 name:
 * {@code 5.7.30} "REQUIRETLS support required" for a host without REQUIRETLS, {@code 5.7.10} "Encryption needed"
 * (RFC 5248) for TLS that could not be had or not be verified. Connection problems stay deferrals.
 */
final class RequireTlsHops {
    /** The enhanced codes of this client's own TLS failures at a host: handshake or verification (X.7.5), no STARTTLS (X.7.10). */
    private static final String HANDSHAKE_FAILED = "4.7.5";
    private static final String NOT_OFFERED = "4.7.10";

    private RequireTlsHops() {
    }

    /**
     * The session, if it meets the demand; else it is ended and the host's failure thrown.
     *
     * @throws HopFailure {@code 5.7.10} for a session whose TLS is not authenticated, {@code 5.7.30} for a peer that
     *                    does not offer REQUIRETLS
     */
    static Session checked(TlsDemand demand, Session session, int quitTimeoutMillis) throws HopFailure {
        if (demand != TlsDemand.AUTHENTICATED) {
            return session;
        }
        SmtpReply refusal = null;
        if (!session.authenticated()) {
            refusal = new SmtpReply(550, "5.7.10", "REQUIRETLS needs authenticated TLS, and the session with "
                    + session.remote() + " is not");
        } else if (!session.extensions().has(Envelope.REQUIRETLS)) {
            refusal = new SmtpReply(550, "5.7.30", "REQUIRETLS support required, and " + session.remote()
                    + " does not offer it after STARTTLS");
        }
        if (refusal == null) {
            return session;
        }
        String remote = session.remote();
        session.quit(quitTimeoutMillis); // RFC 8689 §4.2.1: QUIT, then the next host
        throw new HopFailure(refusal, remote);
    }

    /** A host's failure as REQUIRETLS sees it: this client's own TLS failure there becomes permanent {@code 5.7.10}. */
    static HopFailure judged(TlsDemand demand, HopFailure failure) {
        String code = failure.reply().enhancedStatus();
        if (demand != TlsDemand.AUTHENTICATED || !(HANDSHAKE_FAILED.equals(code) || NOT_OFFERED.equals(code))) {
            return failure;
        }
        return new HopFailure(new SmtpReply(550, "5.7.10", "REQUIRETLS: " + failure.reply().text()), failure.remote());
    }

    /**
     * Which of two host failures the message gets when no host is left: a deferral wins over a REQUIRETLS failure, since
     * the host that could not be reached now was never judged, and may meet the requirements on the next try.
     */
    static HopFailure worth(TlsDemand demand, HopFailure kept, HopFailure latest) {
        if (kept == null || demand != TlsDemand.AUTHENTICATED) {
            return latest; // as for any message: the last host's problem
        }
        return kept.reply().isTransient() && !latest.reply().isTransient() ? kept : latest;
    }
}
