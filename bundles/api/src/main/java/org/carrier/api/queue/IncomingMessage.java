package org.carrier.api.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A message being received into the queue. The writer streams the content, may read it back
 * (for data filters), and then either commits it with its envelope or closes it to discard it.
 * Not thread-safe: one SMTP session owns it.
 */
@ProviderType
public interface IncomingMessage extends AutoCloseable {

    /** The queue ID issued to this message; it appears in the 250 reply and in every log line about it. */
    String queueId();

    /**
     * Where to write the message: RFC 5322 format with CRLF line endings, dot-stuffing already removed.
     * Closing this stream is optional; {@link #commit} flushes it.
     */
    OutputStream content();

    /** Bytes written to {@link #content()} so far. */
    long size();

    /** A new stream over what has been written so far (after flushing it). The caller closes it. */
    InputStream openContent() throws IOException;

    /**
     * Makes the message durable: content and envelope are synced to disk before this returns
     * (file and directory), so the message survives a crash from then on.
     *
     * @param envelope        the sender and the recipients to deliver to
     * @param prependedHeader header fields to put above the content when delivering (e.g. filter results)
     * @param hold            whether to keep the message on hold instead of delivering it
     * @throws IOException if it could not be made durable; nothing is then queued
     */
    void commit(Envelope envelope, List<HeaderField> prependedHeader, boolean hold) throws IOException;

    /** Discards the message unless it was committed. */
    @Override
    void close();
}
