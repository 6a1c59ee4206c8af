package org.carrier.smtp.server.internal.auth;

import java.util.Optional;

import org.carrier.api.message.SmtpReply;

/**
 * The session rules around AUTH for one listener, as small decisions the session asks at EHLO, AUTH and MAIL.
 *
 * @param role              what the listener is for
 * @param authAvailable     whether the listener has a users table (no table: AUTH is neither offered nor accepted)
 * @param requireTlsForAuth AUTH only inside TLS (DESIGN.md security default; RFC 4954 §4 and RFC 4616 §6 warn that
 *                          PLAIN and LOGIN send the password in the clear). False only on an explicit setting.
 */
public record AuthRules(ListenerRole role, boolean authAvailable, boolean requireTlsForAuth) {

    /** Whether the EHLO reply lists {@link AuthExchange#ehloKeyword()}. */
    public boolean advertiseAuth(boolean tlsActive, boolean authenticated) {
        return authAvailable && !authenticated && (tlsActive || !requireTlsForAuth);
    }

    /** RFC 3207 §4.2: STARTTLS is offered only on a connection not yet in TLS, and only when the listener has a certificate. */
    public boolean advertiseStartTls(boolean tlsActive, boolean tlsAvailable) {
        return tlsAvailable && !tlsActive;
    }

    /**
     * The refusal of an AUTH command, or empty when the exchange may start.
     *
     * @param ehloDone        the client greeted with EHLO (AUTH is an ESMTP extension)
     * @param inTransaction   MAIL was accepted and the transaction has not ended
     */
    public Optional<SmtpReply> refuseAuth(boolean ehloDone, boolean tlsActive, boolean authenticated, boolean inTransaction) {
        if (!authAvailable) {
            return Optional.of(AuthReplies.NOT_AVAILABLE);
        }
        if (!ehloDone) {
            return Optional.of(AuthReplies.EHLO_FIRST);
        }
        if (authenticated) {
            return Optional.of(AuthReplies.ALREADY_AUTHENTICATED);
        }
        if (inTransaction) {
            return Optional.of(AuthReplies.IN_TRANSACTION);
        }
        if (requireTlsForAuth && !tlsActive) {
            return Optional.of(AuthReplies.ENCRYPTION_REQUIRED);
        }
        return Optional.empty();
    }

    /**
     * The refusal of a MAIL command on account of AUTH, or empty when it may go on to the other checks. On submission
     * listeners an unauthenticated session gets 530 5.7.0; when AUTH needs TLS and there is none yet, the reply says
     * to start TLS first (RFC 3207 §4).
     */
    public Optional<SmtpReply> refuseMail(boolean tlsActive, boolean authenticated) {
        if (!role.requiresAuth() || authenticated) {
            return Optional.empty();
        }
        return Optional.of(requireTlsForAuth && !tlsActive ? AuthReplies.STARTTLS_FIRST : AuthReplies.AUTHENTICATION_REQUIRED);
    }
}
