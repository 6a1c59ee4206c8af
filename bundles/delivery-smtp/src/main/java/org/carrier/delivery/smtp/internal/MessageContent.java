package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.InputStream;

import org.carrier.api.message.Envelope;
import org.carrier.api.transport.MessageSource;

/** What a message needs from the peer: 8-bit transport (RFC 6152) and internationalized addresses (RFC 6531). */
final class MessageContent {
    private static final int SCAN_BLOCK = 64 * 1024;
    private MessageContent() {
    }

    /** Declared BODY=8BITMIME, or any byte above 127 in the content (a client may have sent 8-bit undeclared). */
    static boolean isEightBit(Envelope envelope, MessageSource message) throws IOException {
        if ("8BITMIME".equalsIgnoreCase(envelope.mailParameters().get("BODY"))) {
            return true;
        }
        if (message instanceof MessageSource.InMemory held) {
            return ByteScan.anyEightBit(held.bytes(), held.bytes().length); // no copy of what is already in memory
        }
        byte[] buffer = new byte[(int) Math.max(1, Math.min(SCAN_BLOCK, message.size()))];
        try (InputStream in = message.open()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (ByteScan.anyEightBit(buffer, n)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A message held in memory, e.g. read once for the 8-bit scan and DATA, or converted to 7-bit. */
    static MessageSource of(byte[] bytes) {
        return MessageSource.of(bytes);
    }
}
