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
     * Starts replacing the content before {@link #commit}, keeping the queue ID (what the SMTP server does with the data
     * filters' edits, {@code org.carrier.api.filter.MessageEdits}): what is written to the returned stream becomes the
     * whole content, in place of everything written so far, when the stream is closed. Until then {@link #openContent()}
     * reads the content as it was, so the new content may be made from the old; afterwards {@link #size()} and
     * {@link #openContent()} give the new one. The new content is not durable before {@link #commit}, which syncs it as
     * it syncs received content. Not closing the stream leaves the content as it was.
     *
     * @throws IOException if the stream cannot be opened; if closing it fails, the content is unusable and the
     *                     message is to be discarded
     */
    OutputStream rewrite() throws IOException;

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
