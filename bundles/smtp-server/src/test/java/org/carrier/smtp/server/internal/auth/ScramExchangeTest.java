package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.auth.ScramCredential;
import org.carrier.smtp.server.internal.auth.AuthStep.Outcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AUTH SCRAM-SHA-256 (RFC 5802, RFC 7677) against a real users file, with the example exchange of RFC 7677 §3. */
class ScramExchangeTest {
    /** RFC 7677 §3: user "user", password "pencil". */
    private static final String SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String CLIENT_FIRST = "n,,n=user,r=" + CLIENT_NONCE;
    private static final String SERVER_FIRST = "r=" + CLIENT_NONCE + SERVER_NONCE + ",s=" + SALT + ",i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @TempDir
    Path dir;
    private UsersFile users;
    private Path file;

    @BeforeEach
    void users() throws Exception {
        ScramCredential rfc = ScramCredential.derive(utf8("pencil"), Base64.getDecoder().decode(SALT), 4096);
        file = dir.resolve("users.properties");
        Files.writeString(file, "user = " + rfc.format() + "\n"
                + "a,b\\=c = " + ScramCredential.derive(utf8("pencil"), utf8("saltsaltsalt"), 4096).format() + "\n");
        users = new UsersFile(file);
        assertTrue(users.problem().isEmpty(), users.problem().toString());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(utf8(text));
    }

    private static String decoded(AuthStep step) {
        return new String(Base64.getDecoder().decode(step.reply().text()), StandardCharsets.UTF_8);
    }

    private AuthExchange exchange() {
        return new AuthExchange(users, () -> SERVER_NONCE);
    }

    @Test
    void theExchangeOfRfc7677() {
        AuthExchange exchange = exchange();
        AuthStep first = exchange.start("SCRAM-SHA-256 " + b64(CLIENT_FIRST));
        assertEquals(Outcome.CHALLENGE, first.outcome());
        assertEquals(SERVER_FIRST, decoded(first));
        AuthStep verified = exchange.respond(b64(CLIENT_FINAL));
        assertEquals(Outcome.CHALLENGE, verified.outcome(), verified.reply().toString());
        assertEquals(SERVER_FINAL, decoded(verified), "the server proves it knows the ServerKey");
        AuthStep done = exchange.respond("");
        assertEquals(Outcome.AUTHENTICATED, done.outcome());
        assertEquals("235 2.7.0 Authentication successful", done.reply().toString());
        assertEquals("user", done.user());
    }

    @Test
    void withoutInitialResponseTheServerSendsAnEmptyChallengeFirst() {
        AuthExchange exchange = exchange();
        AuthStep empty = exchange.start("scram-sha-256");
        assertEquals(Outcome.CHALLENGE, empty.outcome());
        assertEquals("", empty.reply().text());
        assertEquals(SERVER_FIRST, decoded(exchange.respond(b64(CLIENT_FIRST))));
        assertEquals(SERVER_FINAL, decoded(exchange.respond(b64(CLIENT_FINAL))));
    }

    @Test
    void aWrongProofNonceOrBindingFails() {
        assertFinalFails(CLIENT_FINAL.replace("p=dHzb", "p=dHzc"));
        assertFinalFails(CLIENT_FINAL.replace(SERVER_NONCE, "otherservernonce"));
        assertFinalFails(CLIENT_FINAL.replace("c=biws", "c=" + b64("y,,")));
        assertFinalFails(CLIENT_FINAL.replace(",p=", ",x="));
        assertFinalFails(CLIENT_FINAL.replace("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "p=AAAA"));
    }

    private void assertFinalFails(String clientFinal) {
        AuthExchange exchange = exchange();
        exchange.start("SCRAM-SHA-256 " + b64(CLIENT_FIRST));
        AuthStep step = exchange.respond(b64(clientFinal));
        assertEquals(Outcome.FAILED, step.outcome(), clientFinal);
        assertEquals(535, step.reply().code());
        assertEquals("user", step.user());
    }

    @Test
    void unsupportedOrMalformedClientFirstMessagesFail() {
        for (String clientFirst : new String[] {"p=tls-unique,,n=user,r=abc", "n,,m=ext,n=user,r=abc", "n,a=other,n=user,r=abc",
                "n,,n=us=er,r=abc", "n,,n=user", "n,,n=user,r=", "x,,n=user,r=abc", ""}) {
            AuthStep step = exchange().start("SCRAM-SHA-256 " + (clientFirst.isEmpty() ? "=" : b64(clientFirst)));
            assertEquals(Outcome.FAILED, step.outcome(), clientFirst);
        }
        AuthStep same = exchange().start("SCRAM-SHA-256 " + b64("n,a=user,n=user,r=abc"));
        assertEquals(Outcome.CHALLENGE, same.outcome(), "an authzid equal to the user is fine");
    }

    @Test
    void escapedUserNamesAreDecoded() {
        AuthStep step = exchange().start("SCRAM-SHA-256 " + b64("n,,n=a=2Cb=3Dc,r=abc"));
        assertEquals(Outcome.CHALLENGE, step.outcome());
        assertTrue(decoded(step).contains(",s=" + Base64.getEncoder().encodeToString(utf8("saltsaltsalt")) + ","), decoded(step));
    }

    @Test
    void anUnknownUserGetsAStableMadeUpSaltAndThenFails() {
        AuthExchange exchange = exchange();
        String first = decoded(exchange.start("SCRAM-SHA-256 " + b64("n,,n=nobody,r=abc")));
        assertEquals(first, decoded(exchange().start("SCRAM-SHA-256 " + b64("n,,n=nobody,r=abc"))), "the same salt each time");
        assertTrue(first.endsWith(",i=" + ScramCredential.DEFAULT_ITERATIONS), first);
        String proof = Base64.getEncoder().encodeToString(new byte[32]);
        AuthStep step = exchange.respond(b64("c=biws,r=abc" + SERVER_NONCE + ",p=" + proof));
        assertEquals(Outcome.FAILED, step.outcome());
    }

    @Test
    void aCancelOrSomethingOtherThanAnEmptyLineAfterTheServerProof() {
        AuthExchange cancelled = exchange();
        cancelled.start("SCRAM-SHA-256 " + b64(CLIENT_FIRST));
        cancelled.respond(b64(CLIENT_FINAL));
        assertEquals("501 5.0.0 Authentication cancelled", cancelled.respond("*").reply().toString());
        AuthExchange chatty = exchange();
        chatty.start("SCRAM-SHA-256 " + b64(CLIENT_FIRST));
        chatty.respond(b64(CLIENT_FINAL));
        assertEquals(Outcome.FAILED, chatty.respond(b64("more")).outcome());
    }

    @Test
    void scramEntriesAlsoServePlainAndAreOfferedOnlyWhenEveryUserHasOne() throws Exception {
        assertEquals(Outcome.AUTHENTICATED, exchange().start("PLAIN " + b64("\0user\0pencil")).outcome());
        assertEquals(Outcome.FAILED, exchange().start("PLAIN " + b64("\0user\0pencil2")).outcome());
        assertEquals("AUTH SCRAM-SHA-256 PLAIN LOGIN", AuthExchange.ehloKeyword(users));

        Files.writeString(file, Files.readString(file) + "bcrypt = " + PasswordHash.bcrypt(utf8("x"), 4) + "\n");
        UsersFile mixed = new UsersFile(file);
        assertEquals("AUTH PLAIN LOGIN", AuthExchange.ehloKeyword(mixed));
        AuthExchange bcryptUser = new AuthExchange(mixed, () -> SERVER_NONCE);
        assertEquals(Outcome.CHALLENGE, bcryptUser.start("SCRAM-SHA-256 " + b64("n,,n=bcrypt,r=abc")).outcome(),
                "a user without a SCRAM entry gets a made-up challenge");
        String proof = Base64.getEncoder().encodeToString(new byte[32]);
        assertEquals(Outcome.FAILED, bcryptUser.respond(b64("c=biws,r=abc" + SERVER_NONCE + ",p=" + proof)).outcome());
    }

    @Test
    void scramEntriesAreValidated() {
        String good = ScramCredential.create(utf8("pw")).format();
        assertTrue(good.startsWith("{scram-sha-256}50000,"), good);
        assertNull(PasswordHash.problem(good));
        assertTrue(PasswordHash.matches(good, utf8("pw")));
        assertTrue(PasswordHash.problem("{scram-sha-256}1000," + good.substring(good.indexOf(',') + 1)).contains("outside 4096"));
        assertTrue(PasswordHash.problem("{scram-sha-256}4096,abc").startsWith("not a SCRAM-SHA-256 entry"));
    }
}
