package org.carrier.smtp.server.internal;

import org.carrier.api.message.SmtpReply;

/** Reply texts that recur, and the wire form of a reply (RFC 5321 §4.2: {@code code-text} lines, last with a space). */
final class Reply {
    static final SmtpReply OK_MAIL = new SmtpReply(250, "2.1.0", "Ok");
    static final SmtpReply OK_RCPT = new SmtpReply(250, "2.1.5", "Ok");
    static final SmtpReply OK = new SmtpReply(250, "2.0.0", "Ok");
    static final SmtpReply UNKNOWN = new SmtpReply(500, "5.5.1", "Error: command not recognized");
    static final SmtpReply LINE_TOO_LONG = new SmtpReply(500, "5.5.6", "Error: command line too long");
    static final SmtpReply NOT_IMPLEMENTED = new SmtpReply(502, "5.5.1", "Error: command not implemented");
    static final SmtpReply BAD_SEQUENCE = new SmtpReply(503, "5.5.1", "Error: bad sequence of commands");
    static final SmtpReply FILTER_FAILURE = new SmtpReply(451, "4.3.0", "Temporary filter failure, try again later");
    static final SmtpReply QUEUE_FAILURE = new SmtpReply(451, "4.3.0", "Error: queue file write error, try again later");

    private Reply() {
    }

    static SmtpReply syntax(String text) {
        return new SmtpReply(501, "5.5.4", text);
    }

    /** The reply as sent: each text line gets the code, all but the last with a hyphen. */
    static String wire(SmtpReply reply) {
        String[] lines = reply.text().split("\r?\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            sb.append(reply.code()).append(i < lines.length - 1 ? '-' : ' ');
            if (reply.enhancedStatus() != null) {
                sb.append(reply.enhancedStatus()).append(' ');
            }
            sb.append(lines[i]).append("\r\n");
        }
        return sb.toString();
    }
}
