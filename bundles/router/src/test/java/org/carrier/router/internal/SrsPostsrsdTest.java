package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.carrier.api.message.MailAddress;
import org.carrier.testing.Postsrsd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The codec against a real postsrsd (Debian's, libsrs2's scheme) with the same secrets, both ways, today. */
class SrsPostsrsdTest {
    private static final String DOMAIN = "forwarder.test";
    @TempDir
    static Path dir;
    private static Postsrsd postsrsd;
    private final SrsCodec carrier = new SrsCodec(List.of("current-secret", "retired-secret"), 21, Clock.systemUTC());

    @BeforeAll
    static void start() throws Exception {
        postsrsd = Postsrsd.start(dir.resolve("postsrsd"), DOMAIN, List.of("current-secret", "retired-secret"));
    }

    @AfterAll
    static void stop() {
        if (postsrsd != null) {
            postsrsd.stop();
        }
    }

    private MailAddress decoded(String address) {
        return assertInstanceOf(SrsCodec.Valid.class, carrier.reverse(MailAddress.parse(address)), address).address();
    }

    @Test
    void postsrsdsAddressesVerifyHere() throws Exception {
        String made = postsrsd.forward("Alice.Smith@Orig.Example");
        assertTrue(made.startsWith("SRS0="), made);
        assertEquals(MailAddress.parse("Alice.Smith@orig.example"), decoded(made));
        assertEquals(MailAddress.parse("alice.smith@orig.example"), decoded(made.toLowerCase()));
    }

    @Test
    void ourAddressesVerifyThere() throws Exception {
        MailAddress made = carrier.forward(MailAddress.parse("bob+tag@orig.example"), DOMAIN);
        assertEquals(made.toString(), postsrsd.forward("bob+tag@orig.example"));
        assertEquals("bob+tag@orig.example", postsrsd.reverse(made.toString()));
    }

    @Test
    void srs1AgreesBothWays() throws Exception {
        String srs0 = new SrsCodec(List.of("elsewhere"), 21, Clock.systemUTC())
                .forward(MailAddress.parse("carol@orig.example"), "first.example").toString();
        String theirs = postsrsd.forward(srs0);
        assertEquals(carrier.forward(MailAddress.parse(srs0), DOMAIN).toString(), theirs);
        assertEquals(MailAddress.parse(srs0), decoded(theirs));
        assertEquals(srs0, postsrsd.reverse(theirs));
    }

    @Test
    void retiredSecretsVerifyOnBothSides() throws Exception {
        MailAddress old = new SrsCodec(List.of("retired-secret"), 21, Clock.systemUTC())
                .forward(MailAddress.parse("dave@orig.example"), DOMAIN);
        assertEquals("dave@orig.example", postsrsd.reverse(old.toString()));
        assertEquals(MailAddress.parse("dave@orig.example"), decoded(old.toString()));
    }

    @Test
    void aForgedHashIsRefusedByBoth() throws Exception {
        String made = postsrsd.forward("erin@orig.example");
        String forged = made.replaceFirst("^SRS0=(.)", "SRS0=" + (Character.toUpperCase(made.charAt(5)) == 'A' ? 'B' : 'A'));
        assertTrue(postsrsd.reverse(forged).startsWith("500"), postsrsd.reverse(forged));
        assertInstanceOf(SrsCodec.Invalid.class, carrier.reverse(MailAddress.parse(forged)));
    }
}
