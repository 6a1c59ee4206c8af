package org.carrier.smtp.server.internal.auth;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * One SMTP AUTH exchange (RFC 4954 §4), independent of I/O: {@link #start} takes the AUTH command's argument, and
 * while the step is a {@link AuthStep.Outcome#CHALLENGE challenge} the session sends its 334 reply and passes the
 * client's next line (without CRLF) to {@link #respond}. Base64, "=" for an empty initial response, "*" for cancel
 * and the line length limit are handled here; the mechanisms see decoded octets.
 * <p>
 * Not thread-safe: one exchange belongs to one session. {@link #start} and {@link #respond} may check a password,
 * which is slow on purpose: run them off the network event loop.
 */
public final class AuthExchange {
    /** The mechanisms that need only a password hash, as in {@code 250-AUTH PLAIN LOGIN}. */
    public static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN");
    /** Offered in front of the others when every user has a SCRAM entry (RFC 7677). */
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    /** RFC 4954 §4: a server must accept client responses of up to 12288 octets; longer ones end the exchange. */
    static final int MAX_RESPONSE_LENGTH = 12_288;

    private final CredentialCheck users;
    private final Supplier<String> serverNonces;
    private SaslMechanism mechanism;
    private boolean finished;

    public AuthExchange(CredentialCheck users) {
        this(users, ScramMechanism::randomNonce);
    }

    /** For tests: SCRAM server nonces from {@code serverNonces}. */
    AuthExchange(CredentialCheck users, Supplier<String> serverNonces) {
        this.users = users;
        this.serverNonces = serverNonces;
    }

    /** The EHLO keyword line: {@code AUTH PLAIN LOGIN} (RFC 4954 §3). */
    public static String ehloKeyword() {
        return "AUTH " + String.join(" ", MECHANISMS);
    }

    /**
     * The EHLO keyword line for this users table: {@code AUTH SCRAM-SHA-256 PLAIN LOGIN} when SCRAM works for every
     * user, else {@code AUTH PLAIN LOGIN}, so that no client is steered to a mechanism that cannot work for it.
     * AUTH SCRAM-SHA-256 is accepted either way.
     */
    public static String ehloKeyword(CredentialCheck users) {
        return users.scramForEveryUser() ? "AUTH " + SCRAM_SHA_256 + " " + String.join(" ", MECHANISMS) : ehloKeyword();
    }

    /** @param argument what follows {@code AUTH }: a mechanism name and optionally an initial response */
    public AuthStep start(String argument) {
        if (mechanism != null || finished) {
            throw new IllegalStateException("this exchange has already started");
        }
        String[] words = argument == null ? new String[0] : argument.strip().split(" +", -1);
        if (words.length == 0 || words[0].isEmpty() || words.length > 2) {
            return end(AuthStep.aborted(AuthReplies.SYNTAX));
        }
        mechanism = switch (words[0].toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> new PlainMechanism(users);
            case "LOGIN" -> new LoginMechanism(users);
            case SCRAM_SHA_256 -> new ScramMechanism(users, serverNonces);
            default -> null;
        };
        if (mechanism == null) {
            return end(AuthStep.aborted(AuthReplies.UNKNOWN_MECHANISM));
        }
        if (words.length == 1) {
            return end(guarded(() -> mechanism.start(null)));
        }
        // RFC 4954 §4: "=" is an initial response of zero length.
        byte[] initial = words[1].equals("=") ? new byte[0] : decode(words[1]);
        return end(initial == null ? AuthStep.aborted(AuthReplies.BAD_BASE64) : guarded(() -> mechanism.start(initial)));
    }

    /** @param line the client's answer to the last challenge, without CRLF */
    public AuthStep respond(String line) {
        if (mechanism == null || finished) {
            throw new IllegalStateException("no challenge is waiting for an answer");
        }
        if (line.length() > MAX_RESPONSE_LENGTH) {
            return end(AuthStep.aborted(AuthReplies.LINE_TOO_LONG));
        }
        String response = line.strip();
        if (response.equals("*")) {
            return end(AuthStep.aborted(AuthReplies.CANCELLED));
        }
        byte[] decoded = decode(response);
        return end(decoded == null ? AuthStep.aborted(AuthReplies.BAD_BASE64) : guarded(() -> mechanism.respond(decoded)));
    }

    /** A step of the mechanism; a locked-out client or user name ends the exchange with 454 instead (see {@link AuthGuard}). */
    private static AuthStep guarded(Supplier<AuthStep> step) {
        try {
            return step.get();
        } catch (AuthGuard.LockedOut e) {
            return AuthStep.aborted(AuthReplies.LOCKED_OUT);
        }
    }

    /** Whether the exchange has ended (a reply other than 334 was produced). */
    public boolean finished() {
        return finished;
    }

    private AuthStep end(AuthStep step) {
        finished = step.finished();
        return step;
    }

    /** The base64 alphabet of RFC 4648 §4 only (no line breaks or spaces); padding may be left off. Null when not base64. */
    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
