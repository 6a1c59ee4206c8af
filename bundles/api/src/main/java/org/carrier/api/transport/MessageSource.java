package org.carrier.api.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.HeaderScan;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The content of a queued message as a transport sends it: RFC 5322 format, CRLF line endings,
 * not dot-stuffed, with the queue's prepended header fields.
 */
@ProviderType
public interface MessageSource {

    /** A new stream over the whole message. The caller closes it. */
    InputStream open() throws IOException;

    /** The size in bytes of what {@link #open()} returns. */
    long size();

    /**
     * The header fields of the message, folding kept ({@link HeaderScan#fields}). A source may keep them once read:
     * the queue's does for one delivery attempt, so that its transports, each asking for a field of its own (the
     * hop count, {@code TLS-Required}, {@code Delivered-To}, the outbound filters' view) for each of the message's
     * next hops, read the header once. This default reads it again at each call.
     *
     * @since 1.4
     */
    default List<HeaderField> headerFields() throws IOException {
        try (InputStream in = new BufferedInputStream(open(), 8192)) {
            return HeaderScan.fields(in);
        }
    }

    /** A message held in memory, e.g. read once for an 8-bit scan and DATA, or converted to 7-bit. */
    static InMemory of(byte[] bytes) {
        return new InMemory(bytes);
    }

    /**
     * A message held in memory. Its bytes are the caller's, not copied: a transport may scan them where it would
     * otherwise read the message again.
     */
    record InMemory(byte[] bytes) implements MessageSource {
        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public long size() {
            return bytes.length;
        }
    }
}
