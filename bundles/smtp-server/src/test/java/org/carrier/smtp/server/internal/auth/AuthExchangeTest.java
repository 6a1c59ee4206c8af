package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.message.SmtpReply;
import org.carrier.smtp.server.internal.auth.AuthStep.Outcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every path of AUTH PLAIN and LOGIN (RFC 4954 §4, RFC 4616), against a real users file. */
class AuthExchangeTest {
    @TempDir
    Path dir;
    private UsersFile users;

    @BeforeEach
    void users() throws Exception {
        Path file = dir.resolve("users.properties");
        Files.writeString(file, "alice@example.org = " + PasswordHash.bcrypt(utf8("wonder land"), 4) + "\n"
                + "jürgen = " + PasswordHash.bcrypt(utf8("grüße"), 4) + "\n", StandardCharsets.UTF_8);
        users = new UsersFile(file);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(utf8(text));
    }

    private AuthExchange exchange() {
        return new AuthExchange(users);
    }

    private static void assertReply(int code, String enhanced, AuthStep step) {
        SmtpReply reply = step.reply();
        assertEquals(code, reply.code(), reply.toString());
        assertEquals(enhanced, reply.enhancedStatus(), reply.toString());
    }

    private static void assertAuthenticated(String user, AuthStep step) {
        assertEquals(Outcome.AUTHENTICATED, step.outcome(), step.reply().toString());
        assertReply(235, "2.7.0", step);
        assertEquals(user, step.user());
        assertTrue(step.finished());
    }

    private static void assertFailed(AuthStep step) {
        assertEquals(Outcome.FAILED, step.outcome(), step.reply().toString());
        assertReply(535, "5.7.8", step);
    }

    private static void assertChallenge(String text, AuthStep step) {
        assertEquals(Outcome.CHALLENGE, step.outcome(), step.reply().toString());
        assertReply(334, null, step);
        assertEquals(text, step.reply().text());
        assertFalse(step.finished());
    }

    @Test
    void plainWithInitialResponse() {
        assertAuthenticated("alice@example.org", exchange().start("PLAIN " + b64("\0alice@example.org\0wonder land")));
        assertAuthenticated("alice@example.org", exchange().start("plain " + b64("alice@example.org\0alice@example.org\0wonder land")));
        assertAuthenticated("jürgen", exchange().start("PLAIN " + b64("\0jürgen\0grüße")));
    }

    @Test
    void plainWithoutInitialResponseGetsAnEmptyChallenge() {
        AuthExchange exchange = exchange();
        assertChallenge("", exchange.start("PLAIN"));
        assertAuthenticated("alice@example.org", exchange.respond(b64("\0alice@example.org\0wonder land")));
        assertTrue(exchange.finished());
        assertThrows(IllegalStateException.class, () -> exchange.respond("x"));
    }

    @Test
    void plainRefusesWrongOrMalformedCredentials() {
        AuthStep wrong = exchange().start("PLAIN " + b64("\0alice@example.org\0wonder lan"));
        assertFailed(wrong);
        assertEquals("alice@example.org", wrong.user(), "the identity tried, for the log");
        assertFailed(exchange().start("PLAIN " + b64("\0nobody@example.org\0wonder land")));
        assertFailed(exchange().start("PLAIN " + b64("bob\0alice@example.org\0wonder land")), "acting for another user");
        assertFailed(exchange().start("PLAIN " + b64("\0\0wonder land")), "no authcid");
        byte[] latin1 = "\0j\u00fcrgen\0gr\u00fc\u00dfe".getBytes(StandardCharsets.ISO_8859_1);
        assertFailed(exchange().start("PLAIN " + Base64.getEncoder().encodeToString(latin1)), "not UTF-8");
    }

    /** RFC 4616 §2: not three NUL-separated fields is a malformed message, answered 501 at once, not a failed login. */
    @Test
    void plainWithTheWrongNumberOfFieldsIsASyntaxErrorAnsweredAtOnce() {
        for (String message : new String[] {"alice@example.org\0wonder land", "\0alice@example.org\0wonder\0land", "no NUL", ""}) {
            AuthStep step = exchange().start("PLAIN " + (message.isEmpty() ? "=" : b64(message)));
            assertEquals(Outcome.ABORTED, step.outcome(), message);
            assertReply(501, "5.5.2", step);
            assertNull(step.user());
        }
    }

    private static void assertFailed(AuthStep step, String why) {
        assertEquals(Outcome.FAILED, step.outcome(), why);
        assertReply(535, "5.7.8", step);
    }

    @Test
    void anEqualsSignIsAnEmptyInitialResponse() {
        // RFC 4954 §4: "=" is a zero-length initial response, not a request for a challenge.
        assertReply(501, "5.5.2", exchange().start("PLAIN ="));
        AuthExchange login = exchange();
        assertChallenge("UGFzc3dvcmQ6", login.start("LOGIN ="));
        assertFailed(login.respond(b64("wonder land")));
    }

    @Test
    void loginAsksForUserNameThenPassword() {
        AuthExchange exchange = exchange();
        assertChallenge("VXNlcm5hbWU6", exchange.start("LOGIN"));
        assertChallenge("UGFzc3dvcmQ6", exchange.respond(b64("alice@example.org")));
        assertAuthenticated("alice@example.org", exchange.respond(b64("wonder land")));
    }

    @Test
    void loginWithTheUserNameAsInitialResponse() {
        AuthExchange exchange = exchange();
        assertChallenge("UGFzc3dvcmQ6", exchange.start("LOGIN " + b64("jürgen")));
        assertAuthenticated("jürgen", exchange.respond(b64("grüße")));
    }

    @Test
    void loginRefusesAWrongPassword() {
        AuthExchange exchange = exchange();
        exchange.start("LOGIN");
        exchange.respond(b64("alice@example.org"));
        AuthStep wrong = exchange.respond(b64("wrong"));
        assertFailed(wrong);
        assertEquals("alice@example.org", wrong.user());
    }

    @Test
    void aStarCancelsAtAnyChallenge() {
        AuthExchange plain = exchange();
        plain.start("PLAIN");
        AuthStep cancelled = plain.respond("*");
        assertEquals(Outcome.ABORTED, cancelled.outcome());
        assertReply(501, "5.0.0", cancelled);
        assertTrue(plain.finished());

        AuthExchange login = exchange();
        login.start("LOGIN");
        login.respond(b64("alice@example.org"));
        assertReply(501, "5.0.0", login.respond("*"));
    }

    @Test
    void badBase64Is501() {
        AuthStep initial = exchange().start("PLAIN AGFsaWNl!!");
        assertEquals(Outcome.ABORTED, initial.outcome());
        assertReply(501, "5.5.2", initial);

        AuthExchange exchange = exchange();
        exchange.start("LOGIN");
        assertReply(501, "5.5.2", exchange.respond("not base64 at all"));
        assertTrue(exchange.finished());
    }

    @Test
    void unknownMechanismsAndBadSyntax() {
        assertReply(504, "5.5.4", exchange().start("CRAM-MD5"));
        assertReply(504, "5.5.4", exchange().start("GSSAPI " + b64("x")));
        assertReply(501, "5.5.4", exchange().start(""));
        assertReply(501, "5.5.4", exchange().start(null));
        assertReply(501, "5.5.4", exchange().start("PLAIN abc def"));
        assertEquals(Outcome.ABORTED, exchange().start("CRAM-MD5").outcome());
    }

    @Test
    void anOverlongResponseEndsTheExchange() {
        AuthExchange exchange = exchange();
        exchange.start("PLAIN");
        AuthStep step = exchange.respond("A".repeat(AuthExchange.MAX_RESPONSE_LENGTH + 4));
        assertReply(500, "5.5.6", step);
        assertTrue(exchange.finished());
        AuthExchange atLimit = exchange();
        atLimit.start("PLAIN");
        assertReply(501, "5.5.2", atLimit.respond("A".repeat(AuthExchange.MAX_RESPONSE_LENGTH))); // decoded: no NUL in it
    }

    @Test
    void theEhloKeywordListsTheMechanisms() {
        assertEquals("AUTH PLAIN LOGIN", AuthExchange.ehloKeyword());
    }
}
