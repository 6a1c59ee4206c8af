package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.util.regex.Pattern;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.QueueUnavailableException;
import org.carrier.api.text.Printable;

/** Reply texts that recur, and the wire form of a reply (RFC 5321 §4.2: {@code code-text} lines, last with a space). */
final class Reply {
    /** Where a multi-line reply text breaks (compiled once: every reply is formatted here). */
    private static final Pattern LINE_BREAK = Pattern.compile("\r?\n");

    static final SmtpReply OK_MAIL = new SmtpReply(250, "2.1.0", "Ok");
    static final SmtpReply OK_RCPT = new SmtpReply(250, "2.1.5", "Ok");
    static final SmtpReply OK = new SmtpReply(250, "2.0.0", "Ok");
    static final SmtpReply BYE = new SmtpReply(221, "2.0.0", "Bye");
    static final SmtpReply READY_FOR_TLS = new SmtpReply(220, "2.0.0", "Ready to start TLS");
    static final SmtpReply START_DATA = new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>");
    static final SmtpReply UNKNOWN = new SmtpReply(500, "5.5.1", "Error: command not recognized");
    static final SmtpReply LINE_TOO_LONG = new SmtpReply(500, "5.5.2", "Error: line too long");
    static final SmtpReply NOT_IMPLEMENTED = new SmtpReply(502, "5.5.1", "Error: command not implemented");
    static final SmtpReply BAD_SEQUENCE = new SmtpReply(503, "5.5.1", "Error: bad sequence of commands");
    static final SmtpReply NO_RECIPIENTS = new SmtpReply(554, "5.5.1", "Error: no valid recipients");
    static final SmtpReply TOO_MANY_RECIPIENTS = new SmtpReply(452, "4.5.3", "Error: too many recipients");
    static final SmtpReply SIZE_EXCEEDS_LIMIT = new SmtpReply(552, "5.3.4", "Message size exceeds fixed limit");
    static final SmtpReply MESSAGE_TOO_BIG = new SmtpReply(552, "5.3.4", "Error: message size exceeds fixed limit");
    static final SmtpReply BARE_LINE_ENDING = new SmtpReply(550, "5.6.11",
            "Error: bare <CR> or <LF> received; only CRLF line endings are allowed");
    /** RFC 6531 §3.5: a non-ASCII address needs SMTPUTF8 on MAIL FROM. */
    static final SmtpReply NEEDS_SMTPUTF8 = new SmtpReply(553, "5.6.7", "Error: non-ASCII address without SMTPUTF8");
    /** RFC 8689 §2: REQUIRETLS on MAIL FROM needs a TLS session (RFC 3207 §4: 530; RFC 5248: X.7.10 "Encryption needed"). */
    static final SmtpReply REQUIRETLS_NEEDS_TLS = new SmtpReply(530, "5.7.10",
            "REQUIRETLS needs a TLS session: issue STARTTLS first");
    /** RFC 5321 §2.3.8: a command line ends with CRLF, and neither CR nor LF may occur alone in it. */
    static final SmtpReply BARE_LINE_ENDING_IN_COMMAND = new SmtpReply(500, "5.5.2",
            "Error: bare <CR> or <LF> in a command line; commands end with <CR><LF>");
    /** RFC 2920 §3.1: DATA is the last command of a pipelined group; what follows waits for the 354 (Postfix's reply). */
    static final SmtpReply PIPELINED_BEFORE_DATA = new SmtpReply(554, "5.5.0",
            "Error: SMTP protocol synchronization: message data sent before the 354 reply");
    static final SmtpReply FILTER_FAILURE = new SmtpReply(451, "4.3.0", "Temporary filter failure");
    static final SmtpReply QUEUE_FAILURE = new SmtpReply(451, "4.3.0", "Error: queue file write error, try again later");

    private Reply() {
    }

    static SmtpReply syntax(String text) {
        return new SmtpReply(501, "5.5.4", text);
    }

    /** RFC 5321 §4.1.1: RSET and QUIT take no parameter. */
    static SmtpReply noArgument(String verb) {
        return syntax("Syntax: " + verb + " takes no argument");
    }

    /** RFC 5321 §4.1.1.1: a host name or address literal; RFC 6531 §3.7.1 lets EHLO carry a UTF-8 name (SMTPUTF8 is offered). */
    static SmtpReply badHeloName(boolean extended) {
        return new SmtpReply(501, "5.5.2", extended
                ? "Syntax: EHLO hostname, in printable US-ASCII or UTF-8"
                : "Syntax: HELO hostname, in printable US-ASCII");
    }

    /** RFC 5321 §3.8: the server closes a session only after QUIT, on timeout, or with a 421 reply. */
    static SmtpReply closing(String hostname, String enhancedStatus, String why) {
        return new SmtpReply(421, enhancedStatus, hostname + " " + why);
    }

    /** The reply for a queue that could not take the message: its own (e.g. 452 4.3.1 disk full) or 451 4.3.0. */
    static SmtpReply tooManyErrors(String hostname) {
        return closing(hostname, "4.7.0", "Error: too many errors");
    }

    /**
     * The greeting of a drained node (RFC 5321 §3.8: 421 instead of 220; RFC 3463 §3.4: 4.3.2, system not accepting
     * network messages): a client queues the message for later or tries the next MX host.
     */
    static SmtpReply draining(String hostname) {
        return closing(hostname, "4.3.2", "Service not available: draining, try again later");
    }

    static SmtpReply tooManyConnections(String hostname) {
        return closing(hostname, "4.7.0", "Error: too many connections, try again later");
    }

    /** Postfix's wording for its smtpd_client_connection_count_limit. */
    static SmtpReply tooManyConnectionsFrom(String hostname, String clientIp) {
        return closing(hostname, "4.7.0", "Error: too many connections from " + clientIp + ", try again later");
    }

    static SmtpReply queueFailure(IOException e) {
        return e instanceof QueueUnavailableException refusal ? refusal.reply() : QUEUE_FAILURE;
    }

    static SmtpReply queued(String queueId) {
        return new SmtpReply(250, "2.0.0", "Ok: queued as " + queueId);
    }

    /** The reply as sent: each text line gets the code, all but the last with a hyphen. */
    static String wire(SmtpReply reply) {
        String text = reply.text();
        String[] lines = text.indexOf('\n') < 0 ? new String[] {text} : LINE_BREAK.split(text, -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            sb.append(reply.code()).append(i < lines.length - 1 ? '-' : ' ');
            if (reply.enhancedStatus() != null) {
                sb.append(reply.enhancedStatus()).append(' ');
            }
            // RFC 5321 §4.2: replies echo client text (e.g. a refused address); a bare CR or NUL in it must not forge a reply line.
            sb.append(Printable.text(lines[i])).append("\r\n");
        }
        return sb.toString();
    }

}
