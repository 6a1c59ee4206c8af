package org.carrier.api.queue;

import java.io.IOException;
import java.util.Objects;

import org.carrier.api.message.SmtpReply;

/**
 * The queue cannot take a new message now, and says what to answer the client: for example
 * {@code 452 4.3.1} when the spool's disk is nearly full (RFC 5321 §4.5.3.1.10, RFC 3463 X.3.1).
 * Nothing already queued is affected.
 */
public class QueueUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient SmtpReply reply;

    /** @param reply a 4xx reply for the client */
    public QueueUnavailableException(SmtpReply reply) {
        super(Objects.requireNonNull(reply, "reply").toString());
        if (!reply.isTransient()) {
            throw new IllegalArgumentException("the queue refuses for now only: " + reply);
        }
        this.reply = reply;
    }

    public SmtpReply reply() {
        return reply;
    }
}
