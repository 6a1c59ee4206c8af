package org.carrier.smtp.server.internal.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * AUTH LOGIN (draft-murchison-sasl-login): the server asks "Username:" then "Password:", each answered in base64.
 * Older clients (Outlook, many printers and scanners) know only this one. An initial response is the user name.
 */
final class LoginMechanism implements SaslMechanism {
    private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));
    private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

    private final CredentialCheck users;
    private String user;

    LoginMechanism(CredentialCheck users) {
        this.users = users;
    }

    @Override
    public AuthStep start(byte[] initialResponse) {
        return initialResponse == null ? AuthStep.challenge(USERNAME) : respond(initialResponse);
    }

    @Override
    public AuthStep respond(byte[] response) {
        if (user == null) {
            String name = Utf8.decode(response);
            if (name == null) {
                return AuthStep.failed(null);
            }
            user = name;
            return AuthStep.challenge(PASSWORD);
        }
        try {
            return !user.isEmpty() && users.check(user, response) ? AuthStep.authenticated(user) : AuthStep.failed(user);
        } finally {
            Arrays.fill(response, (byte) 0);
        }
    }
}
