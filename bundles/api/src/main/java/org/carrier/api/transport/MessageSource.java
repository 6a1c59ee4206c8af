package org.carrier.api.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

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
