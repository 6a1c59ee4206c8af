package org.carrier.delivery.smtp.internal;

import java.util.List;

import org.carrier.api.message.SmtpReply;

/**
 * A reply read from a peer: its code and every text line (RFC 5321 §4.2.1), e.g. an EHLO reply's
 * extension keywords are its lines after the first.
 */
record Reply(int code, List<String> lines) {
    Reply {
        lines = List.copyOf(lines);
    }

    boolean isPositive() {
        return code >= 200 && code < 400;
    }

    /** The reply as kept for logs and DSNs: the enhanced status split off, lines joined by spaces. */
    SmtpReply toSmtpReply() {
        return SmtpReply.parse(code, String.join(" ", lines));
    }
}
