package org.carrier.smtp.server.internal.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding: SASL identities (RFC 4616 §2) must be valid UTF-8, and a bad one must not become a '?'. */
final class Utf8 {
    private Utf8() {
    }

    /** The text, or null when the octets are not UTF-8. */
    static String decode(byte[] octets) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(octets))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
