package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class OwnAuthResultsRemoverTest {

    private static String scrub(String message, int pieceSize) throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        OwnAuthResultsRemover remover = new OwnAuthResultsRemover(file, "MX.Carrier.test");
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += pieceSize) {
            remover.write(bytes, i, Math.min(pieceSize, bytes.length - i));
        }
        remover.endOfMessage();
        return file.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void fieldsInOurNameAreRemovedWithTheirContinuationLinesAndOthersStay() throws IOException {
        String message = "Received: from a\r\n\tby b\r\n"
                + "Authentication-Results: mx.carrier.test;\r\n\tdkim=pass header.d=bank.test\r\n"
                + "authentication-results: (forged) mx.carrier.TEST; spf=pass\r\n"
                + "Authentication-Results: other.test; spf=fail\r\n"
                + "Subject: hi\r\n\r\n"
                + "Authentication-Results: mx.carrier.test; in the body it is text\r\n";
        String expected = "Received: from a\r\n\tby b\r\n"
                + "Authentication-Results: other.test; spf=fail\r\n"
                + "Subject: hi\r\n\r\n"
                + "Authentication-Results: mx.carrier.test; in the body it is text\r\n";
        for (int piece : new int[] {1, 7, 4096}) {
            assertEquals(expected, scrub(message, piece), "written in pieces of " + piece);
        }
    }

    @Test
    void aMessageWithoutABodyLosesItsLastFieldToo() throws IOException {
        assertEquals("Subject: x\r\n", scrub("Subject: x\r\nAuthentication-Results: mx.carrier.test; dkim=pass\r\n", 3));
        assertEquals("Subject: x\r\nX-Last: y\r\n", scrub("Subject: x\r\nX-Last: y\r\n", 3));
    }

    @Test
    void aLookalikeNameIsNotOurs() throws IOException {
        String message = "Authentication-Results: mx.carrier.test.evil; spf=pass\r\nAuthentication-Results-X: mx.carrier.test\r\n\r\nbody\r\n";
        assertEquals(message, scrub(message, 5));
    }

    @Test
    void aFieldInOurNameTooLongToHoldIsDroppedWholeAndALongForeignOneKeptWhole() throws IOException {
        String padding = "\tx=" + "y".repeat(70) + "\r\n";
        String ours = "Authentication-Results: mx.carrier.test;\r\n" + padding.repeat(2_000);
        String theirs = "Authentication-Results: other.test;\r\n" + padding.repeat(2_000);
        String rest = "Subject: s\r\n\r\nbody\r\n";
        assertEquals(theirs + rest, scrub(ours + theirs + rest, 4096));
    }
}
