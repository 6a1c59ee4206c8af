package org.carrier.delivery.smtp.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.transport.MessageSource;

/** What a message needs from the peer: 8-bit transport (RFC 6152) and internationalized addresses (RFC 6531). */
final class MessageContent {
    private MessageContent() {
    }

    /** Declared BODY=8BITMIME, or any byte above 127 in the content (a client may have sent 8-bit undeclared). */
    static boolean isEightBit(Envelope envelope, MessageSource message) throws IOException {
        if ("8BITMIME".equalsIgnoreCase(envelope.mailParameters().get("BODY"))) {
            return true;
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = message.open()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                int any = 0;
                for (int i = 0; i < n; i++) {
                    any |= buffer[i]; // a byte above 127 is negative: no branch per byte, one test per block
                }
                if (any < 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A message held in memory, e.g. after conversion to 7-bit. */
    static MessageSource of(byte[] bytes) {
        return new MessageSource() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public long size() {
                return bytes.length;
            }
        };
    }

    /** Declared SMTPUTF8, or an address that is not plain ASCII (RFC 6531 §3.4). */
    static boolean needsSmtpUtf8(Envelope envelope) {
        if (envelope.mailParameters().containsKey("SMTPUTF8") || !isAscii(envelope.reversePath())) {
            return true;
        }
        for (Recipient r : envelope.recipients()) {
            if (!isAscii(r.address())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAscii(MailAddress address) {
        return address.toString().chars().allMatch(c -> c < 0x80);
    }
}
