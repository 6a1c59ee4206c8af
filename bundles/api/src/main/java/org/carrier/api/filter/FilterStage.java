package org.carrier.api.filter;

/**
 * The stages of an SMTP session at which the server calls filters, each one {@link SmtpFilter} method. A filter names
 * the ones it hooks in {@link SmtpFilter#stages()}; the server calls no filter at a stage it does not hook, so a stage
 * nobody hooks costs no hop to a worker thread.
 */
public enum FilterStage {
    /** {@link SmtpFilter#connect}: the TCP connection is accepted, before the greeting (RFC 5321 §3.1). */
    CONNECT,
    /** {@link SmtpFilter#helo}: after EHLO or HELO (RFC 5321 §4.1.1.1). */
    HELO,
    /** {@link SmtpFilter#mailFrom}: after MAIL FROM (RFC 5321 §4.1.1.2); the transaction begins. */
    MAIL,
    /** {@link SmtpFilter#rcptTo}: each RCPT TO the router accepted (RFC 5321 §4.1.1.3). */
    RCPT,
    /** {@link SmtpFilter#data}: the end of the message data (RFC 5321 §4.1.1.4), before it is queued. */
    DATA
}
