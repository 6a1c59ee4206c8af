package org.carrier.filter.dkim.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Canonicalization (RFC 6376 §3.4), header selection (§5.4.2) and tag lists (§3.2). */
class CanonicalizationTest {

    private static String body(Canonicalization canon, String body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream sink = canon.body(out)) {
            // in small pieces, as a stream delivers it
            byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < bytes.length; i += 3) {
                sink.write(bytes, i, Math.min(3, bytes.length - i));
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theExamplesOfRfc6376Section345() throws Exception {
        assertEquals("a:X", Canonicalization.RELAXED.header("A: X"));
        assertEquals("b:Y Z", Canonicalization.RELAXED.header("B : Y\t\r\n\tZ  "));
        assertEquals("B : Y\t\r\n\tZ  ", Canonicalization.SIMPLE.header("B : Y\t\r\n\tZ  "));
        assertEquals(" C\r\nD E\r\n", body(Canonicalization.RELAXED, " C \r\nD \t E\r\n\r\n\r\n"));
        assertEquals(" C \r\nD \t E\r\n", body(Canonicalization.SIMPLE, " C \r\nD \t E\r\n\r\n\r\n"));
    }

    @Test
    void emptyBodiesAndAMissingFinalLineEnd() throws Exception {
        assertEquals("\r\n", body(Canonicalization.SIMPLE, ""), "RFC 6376 §3.4.3: an empty body is one CRLF");
        assertEquals("", body(Canonicalization.RELAXED, "\r\n\r\n"), "§3.4.4: empty in relaxed");
        assertEquals("last\r\n", body(Canonicalization.SIMPLE, "last"));
        assertEquals("a\r\n\r\nb\r\n", body(Canonicalization.RELAXED, "a\r\n \r\nb \r\n"), "inner empty lines stay");
    }

    @Test
    void aBodyWrittenInBlocksCanonicalizesAsOneWrittenByteByByte() throws Exception {
        // The block path copies runs of text at once; it must give exactly the byte-by-byte result, also where a
        // run meets white space, a bare CR, a line end or a block boundary.
        java.util.Random random = new java.util.Random(21);
        byte[] alphabet = "ab \t\r\n".getBytes(StandardCharsets.ISO_8859_1);
        for (Canonicalization canon : Canonicalization.values()) {
            for (int round = 0; round < 2000; round++) {
                byte[] body = new byte[random.nextInt(200)];
                for (int i = 0; i < body.length; i++) {
                    body[i] = alphabet[random.nextInt(alphabet.length)];
                }
                ByteArrayOutputStream oneByOne = new ByteArrayOutputStream();
                try (OutputStream sink = canon.body(oneByOne)) {
                    for (byte b : body) {
                        sink.write(b);
                    }
                }
                ByteArrayOutputStream blocks = new ByteArrayOutputStream();
                try (OutputStream sink = canon.body(blocks)) {
                    for (int i = 0; i < body.length; ) {
                        int n = Math.min(body.length - i, 1 + random.nextInt(64));
                        sink.write(body, i, n);
                        i += n;
                    }
                }
                assertEquals(oneByOne.toString(StandardCharsets.ISO_8859_1), blocks.toString(StandardCharsets.ISO_8859_1),
                        canon + ": " + new String(body, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n"));
            }
        }
        // runs longer than the canonicalizer's 8 KB buffer
        byte[] big = ("x".repeat(20_000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("x".repeat(20_000) + "\r\n", body(Canonicalization.RELAXED, new String(big, StandardCharsets.ISO_8859_1)));
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (OutputStream sink = Canonicalization.SIMPLE.body(whole)) {
            sink.write(big, 0, big.length);
        }
        assertEquals(new String(big, StandardCharsets.ISO_8859_1), whole.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void repeatedFieldsAreSelectedBottomUp() throws Exception {
        RawHeader header = RawHeader.read(new ByteArrayInputStream(
                "Received: one\r\nX: a\r\nReceived: two\r\n folded\r\nX: b\r\n\r\nbody".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(List.of("Received: two\r\n folded", "Received: one", "X: b"),
                header.select(List.of("received", "Received", "x"), null));
        assertEquals(List.of("X: b", "X: a"), header.select(List.of("x", "x", "x", "nonexistent"), null),
                "a name listed more often than present, or absent, adds nothing");
    }

    @Test
    void tagListsRefuseBrokenSyntax() throws Exception {
        TagList tags = TagList.parse(" v = 1 ;\r\n\ta=rsa-sha256; unknown=x; ");
        assertEquals("1", tags.get("v"));
        assertEquals("rsa-sha256", tags.get("a"));
        assertEquals(Outcome.PERMERROR, assertThrows(DkimException.class, () -> TagList.parse("v=1; v=1")).outcome());
        assertEquals(Outcome.PERMERROR, assertThrows(DkimException.class, () -> TagList.parse("k=rsa; t; p=")).outcome());
        assertEquals("jlong@messiah.edu", DkimSignature.quotedPrintable("=6Along@messiah.edu"));
    }
}
