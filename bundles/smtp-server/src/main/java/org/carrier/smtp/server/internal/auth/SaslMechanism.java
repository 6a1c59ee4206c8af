package org.carrier.smtp.server.internal.auth;

/** The server side of one SASL mechanism for one exchange: base64 and cancelling are handled by {@link AuthExchange}. */
interface SaslMechanism {
    /** @param initialResponse the decoded initial response, or null when the client sent none */
    AuthStep start(byte[] initialResponse);

    /** @param response the decoded client response to the last challenge */
    AuthStep respond(byte[] response);
}
