package org.carrier.delivery.smtp.internal;

import java.io.IOException;

import org.carrier.api.message.SmtpReply;

/**
 * A next hop (or one of its addresses) that cannot take mail now: no connection, a greeting other than 220,
 * a failed TLS or AUTH step. The client moves on to the next address or hop (RFC 5321 §5.1); if none is
 * left, the {@link #reply} defers every recipient.
 */
final class HopFailure extends IOException {
    private final SmtpReply reply;
    private final String remote;

    HopFailure(SmtpReply reply, String remote) {
        super(remote + ": " + reply);
        this.reply = reply;
        this.remote = remote;
    }

    SmtpReply reply() {
        return reply;
    }

    String remote() {
        return remote;
    }
}
