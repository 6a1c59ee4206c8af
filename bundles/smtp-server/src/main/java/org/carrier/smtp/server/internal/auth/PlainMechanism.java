package org.carrier.smtp.server.internal.auth;

import java.util.Arrays;

/**
 * SASL PLAIN (RFC 4616): one message {@code [authzid] NUL authcid NUL passwd} in UTF-8. Without an initial response the
 * server sends an empty challenge (RFC 4954 §4). Acting for another identity (an authzid other than the authcid) is
 * not supported and fails.
 */
final class PlainMechanism implements SaslMechanism {
    private final CredentialCheck users;

    PlainMechanism(CredentialCheck users) {
        this.users = users;
    }

    @Override
    public AuthStep start(byte[] initialResponse) {
        return initialResponse == null ? AuthStep.challenge("") : respond(initialResponse);
    }

    @Override
    public AuthStep respond(byte[] message) {
        int first = indexOf(message, 0);
        int second = first < 0 ? -1 : indexOf(message, first + 1);
        if (second < 0 || indexOf(message, second + 1) >= 0) {
            // Not three fields: a malformed message, not a wrong password, so answered at once (no guess was made).
            return AuthStep.aborted(AuthReplies.MALFORMED_PLAIN);
        }
        String authzid = Utf8.decode(Arrays.copyOfRange(message, 0, first));
        String authcid = Utf8.decode(Arrays.copyOfRange(message, first + 1, second));
        byte[] password = Arrays.copyOfRange(message, second + 1, message.length);
        try {
            if (authzid == null || authcid == null || authcid.isEmpty() || !(authzid.isEmpty() || authzid.equals(authcid))) {
                return AuthStep.failed(authcid);
            }
            return users.check(authcid, password) ? AuthStep.authenticated(authcid) : AuthStep.failed(authcid);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
