package org.carrier.smtp.server.internal.auth;

import org.carrier.api.message.SmtpReply;

/** The replies of SMTP AUTH (RFC 4954 §4 and §6) and of the rules around it. */
public final class AuthReplies {
    /** RFC 4954 §6: the exchange succeeded. */
    public static final SmtpReply SUCCESS = new SmtpReply(235, "2.7.0", "Authentication successful");
    /** RFC 4954 §6: wrong user or password; sent only after the failure delay. */
    public static final SmtpReply INVALID_CREDENTIALS = new SmtpReply(535, "5.7.8", "Authentication credentials invalid");
    /** RFC 4954 §4: a client response that is not valid base64. */
    public static final SmtpReply BAD_BASE64 = new SmtpReply(501, "5.5.2", "Cannot Base64-decode client response");
    /** RFC 4616 §2: a PLAIN message is exactly {@code [authzid] NUL authcid NUL passwd}; anything else is a syntax error. */
    public static final SmtpReply MALFORMED_PLAIN = new SmtpReply(501, "5.5.2", "Malformed PLAIN message: expected authzid NUL authcid NUL password");
    /** RFC 4954 §4: the client answered a challenge with "*". */
    public static final SmtpReply CANCELLED = new SmtpReply(501, "5.0.0", "Authentication cancelled");
    /** RFC 4954 §4 and §6: a mechanism this server does not offer. */
    public static final SmtpReply UNKNOWN_MECHANISM = new SmtpReply(504, "5.5.4", "Unrecognized authentication type");
    public static final SmtpReply SYNTAX = new SmtpReply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    /** RFC 4954 §4: a response longer than the 12288 octets a server must accept. */
    public static final SmtpReply LINE_TOO_LONG = new SmtpReply(500, "5.5.6", "Authentication Exchange line is too long");
    /** RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject any further AUTH commands with a 503 reply." */
    public static final SmtpReply ALREADY_AUTHENTICATED = new SmtpReply(503, "5.5.1", "Error: already authenticated");
    /** RFC 4954 §4: "The AUTH command is not permitted during a mail transaction." */
    public static final SmtpReply IN_TRANSACTION = new SmtpReply(503, "5.5.1", "Error: AUTH not permitted during a mail transaction");
    /** AUTH is an ESMTP extension (RFC 4954 §3): a client must have seen it in the EHLO reply. */
    public static final SmtpReply EHLO_FIRST = new SmtpReply(503, "5.5.1", "Error: send EHLO first");
    /** AUTH on a listener without a users table. */
    public static final SmtpReply NOT_AVAILABLE = new SmtpReply(502, "5.5.1", "Error: authentication not enabled");
    /** RFC 4954 §6: the mechanism may only be used over an encrypted connection. */
    public static final SmtpReply ENCRYPTION_REQUIRED = new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism");
    /** RFC 4954 §6 and RFC 6409 §4.3: submission needs an authenticated session before MAIL. */
    public static final SmtpReply AUTHENTICATION_REQUIRED = new SmtpReply(530, "5.7.0", "Authentication required");
    /** RFC 3207 §4: the listener requires TLS first (here: for AUTH, which submission needs). */
    public static final SmtpReply STARTTLS_FIRST = new SmtpReply(530, "5.7.0", "Must issue a STARTTLS command first");
    /** RFC 4954 §6: the users table could not be consulted. */
    public static final SmtpReply TEMPORARY_FAILURE = new SmtpReply(454, "4.7.0", "Temporary authentication failure");
    /**
     * {@link AuthGuard}: too many failures from this client or for this user name. RFC 4954 §6's temporary failure:
     * not 535, since the password may be right and a user told it is wrong would change a good one; not 421, since
     * the session may still send mail that needs no AUTH.
     */
    public static final SmtpReply LOCKED_OUT = new SmtpReply(454, "4.7.0", "Error: too many failed authentications, try again later");

    private AuthReplies() {
    }

    /** RFC 4954 §4: {@code 334 SP [base64]}; no enhanced status code on a challenge. */
    public static SmtpReply challenge(String base64) {
        return new SmtpReply(334, null, base64);
    }
}
