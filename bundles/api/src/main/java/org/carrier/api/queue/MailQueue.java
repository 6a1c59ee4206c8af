package org.carrier.api.queue;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The durable mail queue. The SMTP server writes each accepted message into an
 * {@link IncomingMessage}; once {@link IncomingMessage#commit} returns, message and envelope are
 * on disk and the server may answer 250 (RFC 5321 §4.1.1.4, §6.1: the receiver takes responsibility
 * for delivery). The queue then routes and delivers every recipient, retrying temporary failures.
 * What is queued is inspected and changed through {@link QueueOperations}.
 */
@ProviderType
public interface MailQueue {

    /**
     * Starts receiving a new message; its queue ID is issued now so that every log line of the
     * transaction can carry it.
     *
     * @throws QueueUnavailableException if the queue refuses mail for now (for example, its disk is nearly
     *                                   full); the server answers with the exception's reply
     * @throws IOException               if the queue cannot take mail for another reason; the server answers 451
     */
    IncomingMessage receive() throws IOException;

    /**
     * Whether {@link #receive} would now return without waiting for the disk (no file to create, no sync), so
     * that the SMTP server may call it on a network thread instead of handing DATA to a worker.
     *
     * @return {@code false} unless the queue is sure; the default, which is always safe
     */
    default boolean receivesAtOnce() {
        return false;
    }
}
