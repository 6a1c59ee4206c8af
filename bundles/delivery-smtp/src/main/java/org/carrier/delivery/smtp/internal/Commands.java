package org.carrier.delivery.smtp.internal;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;

/**
 * The MAIL and RCPT command lines for an envelope, with the ESMTP parameters the peer announced:
 * SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), REQUIRETLS (RFC 8689) and the DSN parameters RET, ENVID,
 * NOTIFY and ORCPT (RFC 3461 §4), passed on exactly as received (ENVID and ORCPT stay xtext).
 */
final class Commands {
    private static final String[] DSN_MAIL = {"RET", "ENVID"};
    private static final String[] DSN_RCPT = {"NOTIFY", "ORCPT"};

    private Commands() {
    }

    static String mail(Envelope envelope, Extensions peer, long size, boolean eightBit, boolean smtpUtf8) {
        StringBuilder line = new StringBuilder("MAIL FROM:<").append(envelope.reversePath()).append('>');
        if (peer.has("SIZE")) {
            line.append(" SIZE=").append(size);
        }
        if (eightBit) {
            line.append(" BODY=8BITMIME");
        }
        if (smtpUtf8) {
            line.append(" SMTPUTF8");
        }
        if (envelope.requiresTls() && peer.has(Envelope.REQUIRETLS)) {
            // RFC 8689 §4.2.1: the tag goes on with the message to every next hop; one without REQUIRETLS gets no
            // REQUIRETLS mail at all (SessionOpener), except a bounce, which RFC 8689 §5 would rather see delivered.
            line.append(' ').append(Envelope.REQUIRETLS);
        }
        if (peer.has("DSN")) {
            for (String name : DSN_MAIL) {
                appendParameter(line, name, envelope.mailParameters().get(name));
            }
        }
        return line.toString();
    }

    static String rcpt(Recipient recipient, Extensions peer) {
        StringBuilder line = new StringBuilder("RCPT TO:<").append(recipient.address()).append('>');
        if (peer.has("DSN")) {
            for (String name : DSN_RCPT) {
                appendParameter(line, name, recipient.parameters().get(name));
            }
        }
        return line.toString();
    }

    /** The peer's SIZE limit (RFC 1870 §4), or 0 when it names none. */
    static long sizeLimit(Extensions peer) {
        try {
            return peer.has("SIZE") && !peer.parameters("SIZE").isBlank() ? Long.parseLong(peer.parameters("SIZE").trim()) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void appendParameter(StringBuilder line, String name, String value) {
        if (value != null && !value.isEmpty()) {
            line.append(' ').append(name).append('=').append(value);
        }
    }
}
