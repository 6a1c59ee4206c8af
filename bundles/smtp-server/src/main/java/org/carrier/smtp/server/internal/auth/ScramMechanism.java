package org.carrier.smtp.server.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Supplier;

import org.carrier.api.auth.ScramCredential;

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding: the password never crosses the wire and the client can
 * check the server too. In SMTP (RFC 4954 §4) the server's final message travels in a last 334 challenge, answered by an
 * empty line, before 235.
 * <p>
 * A user without a SCRAM entry gets a made-up salt, the same one each time (RFC 5802 §9 "mock" response), so the
 * exchange does not reveal which users exist; it then fails like a wrong password.
 */
final class ScramMechanism implements SaslMechanism {
    private static final byte[] MOCK_SECRET = new SecureRandom().generateSeed(32);

    private enum State { CLIENT_FIRST, CLIENT_FINAL, CLIENT_ACK }

    private final CredentialCheck users;
    private final Supplier<String> serverNonces;
    private State state = State.CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String user;
    private ScramCredential credential;
    private boolean mock;

    ScramMechanism(CredentialCheck users, Supplier<String> serverNonces) {
        this.users = users;
        this.serverNonces = serverNonces;
    }

    /** 18 random octets in base64: printable, no comma (RFC 5802 §7 nonce). */
    static String randomNonce() {
        byte[] octets = new byte[18];
        new SecureRandom().nextBytes(octets);
        return Base64.getEncoder().encodeToString(octets);
    }

    @Override
    public AuthStep start(byte[] initialResponse) {
        return initialResponse == null ? AuthStep.challenge("") : respond(initialResponse);
    }

    @Override
    public AuthStep respond(byte[] response) {
        String message = Utf8.decode(response);
        if (message == null) {
            return AuthStep.failed(user);
        }
        return switch (state) {
            case CLIENT_FIRST -> clientFirst(message);
            case CLIENT_FINAL -> clientFinal(message);
            case CLIENT_ACK -> message.isEmpty() ? AuthStep.authenticated(user) : AuthStep.failed(user);
        };
    }

    /** {@code gs2-cbind-flag "," [authzid] "," [reserved-mext ","] username "," nonce ["," extensions]} (RFC 5802 §7). */
    private AuthStep clientFirst(String message) {
        String[] parts = message.split(",", -1);
        // "n": client without channel binding; "y": client could bind but we offer no -PLUS mechanism. "p=": refused.
        if (parts.length < 4 || !(parts[0].equals("n") || parts[0].equals("y"))) {
            return AuthStep.failed(null);
        }
        String name = parts[2].startsWith("n=") ? saslName(parts[2].substring(2)) : null;
        String authzid = parts[1].isEmpty() ? "" : parts[1].startsWith("a=") ? saslName(parts[1].substring(2)) : null;
        String clientNonce = parts[3].startsWith("r=") ? parts[3].substring(2) : "";
        if (name == null || name.isEmpty() || authzid == null || !(authzid.isEmpty() || authzid.equals(name))
                || !clientNonce.matches("[\\x21-\\x2b\\x2d-\\x7e]+")) {
            return AuthStep.failed(name);
        }
        user = name;
        gs2Header = parts[0] + "," + parts[1] + ",";
        clientFirstBare = message.substring(gs2Header.length());
        nonce = clientNonce + serverNonces.get();
        credential = users.scramSha256(name).orElse(null);
        mock = credential == null;
        if (mock) {
            credential = new ScramCredential(ScramCredential.DEFAULT_ITERATIONS,
                    Arrays.copyOf(ScramCredential.hmac(MOCK_SECRET, name.getBytes(StandardCharsets.UTF_8)), 16),
                    new byte[32], new byte[32]);
        }
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
        state = State.CLIENT_FINAL;
        return AuthStep.challenge(Base64.getEncoder().encodeToString(serverFirst.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code channel-binding "," nonce ["," extensions] "," proof}; verifies the proof against StoredKey. */
    private AuthStep clientFinal(String message) {
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0) {
            return AuthStep.failed(user);
        }
        String withoutProof = message.substring(0, proofAt);
        String[] parts = withoutProof.split(",", -1);
        String binding = "c=" + Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        byte[] proof = decode(message.substring(proofAt + 3));
        if (parts.length < 2 || !parts[0].equals(binding) || !parts[1].equals("r=" + nonce) || proof == null || proof.length != 32) {
            return AuthStep.failed(user);
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCredential.hmac(credential.storedKey(), authMessage);
        byte[] clientKey = new byte[32];
        for (int i = 0; i < 32; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        boolean valid = MessageDigest.isEqual(ScramCredential.sha256(clientKey), credential.storedKey()) && !mock;
        if (!valid) {
            return AuthStep.failed(user);
        }
        state = State.CLIENT_ACK;
        String serverFinal = "v=" + Base64.getEncoder().encodeToString(ScramCredential.hmac(credential.serverKey(), authMessage));
        return AuthStep.challenge(Base64.getEncoder().encodeToString(serverFinal.getBytes(StandardCharsets.UTF_8)));
    }

    /** RFC 5802 §7: in a saslname "," is "=2C" and "=" is "=3D"; any other "=" makes it invalid (null). */
    private static String saslName(String encoded) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c != '=') {
                name.append(c);
            } else if (encoded.startsWith("=2C", i)) {
                name.append(',');
                i += 2;
            } else if (encoded.startsWith("=3D", i)) {
                name.append('=');
                i += 2;
            } else {
                return null;
            }
        }
        return name.toString();
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
