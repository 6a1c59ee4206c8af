package org.carrier.api.transport;

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
}
