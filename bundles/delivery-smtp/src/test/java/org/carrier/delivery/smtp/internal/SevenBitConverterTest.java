package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** RFC 6152 §3 conversion: the result is 7-bit, and decoding it gives back the original bytes. */
class SevenBitConverterTest {

    @Test
    void aSevenBitMessageIsLeftAlone() {
        byte[] plain = "Subject: x\r\n\r\nplain\r\n".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(plain, SevenBitConverter.convert(plain));
    }

    @Test
    void longTextLinesGetSoftBreaksAndTrailingSpaceIsEncoded() {
        String line = "\u00e9".repeat(40) + " end ";
        String out = convert("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + line + "\r\n=\r\n");
        assertSevenBit(out);
        String body = out.substring(out.indexOf("\r\n\r\n") + 4);
        for (String l : body.split("\r\n")) {
            assertTrue(l.length() <= 76, "line too long: " + l);
        }
        assertTrue(out.contains("end=20\r\n=3D\r\n"), out);
        assertEquals(1, out.split("(?i)Content-Transfer-Encoding", -1).length - 1, "the old encoding field is replaced");
        assertEquals(line + "\r\n=\r\n", new String(decodeQuotedPrintable(body), StandardCharsets.UTF_8));
    }

    @Test
    void eachEightBitPartOfAMultipartIsReencodedAndTheRestKept() {
        byte[] binary = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff, '\r', '\n', 1};
        String message = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGr\u00fc\u00dfe\r\n"
                + "--b1\r\nContent-Type: text/plain\r\n\r\nascii only\r\n"
                + "--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes(message.getBytes(StandardCharsets.UTF_8));
        raw.writeBytes(binary);
        raw.writeBytes("\r\n--b1--\r\nepilogue\r\n".getBytes(StandardCharsets.US_ASCII));

        String out = new String(SevenBitConverter.convert(raw.toByteArray()), StandardCharsets.US_ASCII);
        assertSevenBit(out);
        assertTrue(out.contains("--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n--b1\r\n"), out);
        assertTrue(out.contains("--b1\r\nContent-Type: text/plain\r\n\r\nascii only\r\n--b1\r\n"), "a 7-bit part is kept as it was: " + out);
        String png = out.substring(out.indexOf("Content-Transfer-Encoding: base64\r\n\r\n") + 37, out.indexOf("\r\n--b1--"));
        assertArrayEquals(binary, Base64.getMimeDecoder().decode(png));
        assertTrue(out.startsWith("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n"), out);
        assertTrue(out.endsWith("--b1--\r\nepilogue\r\n"), out);
    }

    @Test
    void anAttachedMessageIsConvertedInside() {
        String out = convert("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nna\u00efve\r\n");
        assertSevenBit(out);
        assertTrue(out.endsWith("Subject: inner\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nna=C3=AFve\r\n"), out);
    }

    @Test
    void eightBitHeaderFieldsOrAnUnclosedMultipartCannotBeConverted() {
        assertNull(SevenBitConverter.convert("Subject: na\u00efve\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8)));
        assertNull(SevenBitConverter.convert("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\u00e9\r\n"
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static String convert(String message) {
        return new String(SevenBitConverter.convert(message.getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII);
    }

    private static void assertSevenBit(String out) {
        assertTrue(out.chars().allMatch(c -> c < 0x80), out);
    }

    /** A plain decoder for the check, written from RFC 2045 §6.7. */
    private static byte[] decodeQuotedPrintable(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String joined = text.replace("=\r\n", "");
        for (int i = 0; i < joined.length(); i++) {
            char c = joined.charAt(i);
            if (c == '=') {
                out.write(Integer.parseInt(joined.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
