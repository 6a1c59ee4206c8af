package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.TransportOptions;

/**
 * SMTP AUTH with a route's credentials (RFC 4954), PLAIN (RFC 4616) preferred, else LOGIN.
 * <p>
 * The safe rule: a password never crosses a network in the clear. Credentials are sent only over TLS,
 * or to a loopback address or Unix socket (nothing to sniff there). A route with credentials whose peer
 * has no TLS is deferred with 4.7.10 instead of leaking the password; use {@code tls = encrypt} or
 * {@code verify} for smarthosts so that TLS is required before AUTH.
 */
final class Authenticator {
    private final int timeoutMillis;

    Authenticator(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    void authenticate(PeerConnection connection, Extensions extensions, TransportOptions options, boolean loopback)
            throws IOException {
        if (!options.authenticates()) {
            return;
        }
        if (connection.tlsSession() == null && !loopback) {
            throw new HopFailure(new SmtpReply(451, "4.7.10", "not sending AUTH credentials for " + options.authUser()
                    + " without TLS"), connection.remote());
        }
        List<String> mechanisms = List.of(extensions.parameters("AUTH").toUpperCase(Locale.ROOT).split("\\s+"));
        Reply result;
        if (mechanisms.contains("PLAIN")) {
            // RFC 4616 §2: authorization identity (empty), NUL, user, NUL, password; sent as the initial response.
            result = connection.command("AUTH PLAIN " + base64("\0" + options.authUser() + "\0" + options.authPassword()),
                    timeoutMillis);
        } else if (mechanisms.contains("LOGIN")) {
            result = login(connection, options);
        } else {
            throw new HopFailure(new SmtpReply(451, "4.7.0", "credentials configured for " + options.authUser()
                    + " but the peer offers no AUTH PLAIN or LOGIN"), connection.remote());
        }
        if (result.code() != 235) {
            // A refused login is a configuration problem to fix, not a reason to bounce: defer (RFC 4954 §6).
            throw new HopFailure(new SmtpReply(451, "4.7.0", "AUTH as " + options.authUser() + " refused: "
                    + result.toSmtpReply()), connection.remote());
        }
    }

    /** The LOGIN mechanism: the server asks for user and password with 334 challenges. */
    private Reply login(PeerConnection connection, TransportOptions options) throws IOException {
        Reply reply = connection.command("AUTH LOGIN", timeoutMillis);
        if (reply.code() == 334) {
            reply = connection.command(base64(options.authUser()), timeoutMillis);
        }
        if (reply.code() == 334) {
            reply = connection.command(base64(options.authPassword()), timeoutMillis);
        }
        return reply;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
