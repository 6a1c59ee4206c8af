package org.carrier.api.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    void lineBreaksAndControlsCannotForgeLinesOrFields() {
        assertEquals("evil.test?X-Injected:tok", Printable.text("evil.test\rX-Injected:tok"));
        assertEquals("a?b?c?d?e", Printable.text("a\nb\u0000c\u007fd\u0085e"));
        assertEquals("a?b?c", Printable.text("a\u2028b\u2029c"));
        assertEquals("tab?", Printable.text("tab\t"), "a tab in a log line or folded field is a separator too");
    }

    @Test
    void validNonAsciiIsKeptInTextAndReplacedInAscii() {
        assertEquals("m\u00fcller.example \uD83D\uDCE7", Printable.text("m\u00fcller.example \uD83D\uDCE7"));
        assertEquals("m?ller.example ?", Printable.ascii("m\u00fcller.example \uD83D\uDCE7"), "one ? per character, not per UTF-16 unit");
        assertEquals("bad?utf8", Printable.text("bad\uFFFDutf8"), "U+FFFD is what invalid UTF-8 decodes to");
        assertEquals("?x?", Printable.text("\uD800x\uDC00"), "unpaired surrogates");
    }

    @Test
    void cleanTextIsReturnedAsItIs() {
        String clean = "client.example [192.0.2.1] <a@b.example>";
        assertSame(clean, Printable.text(clean));
        assertSame(clean, Printable.ascii(clean));
        assertNull(Printable.text(null));
    }

    @Test
    void hostNamesAreVisibleAsciiOrValidUtf8() {
        assertTrue(Printable.isVisibleAscii("mail.example.com"));
        assertTrue(Printable.isVisibleAscii("[IPv6:2001:db8::1]"));
        assertFalse(Printable.isVisibleAscii(""));
        assertFalse(Printable.isVisibleAscii("a b"));
        assertFalse(Printable.isVisibleAscii("evil.test\rX"));
        assertFalse(Printable.isVisibleAscii("m\u00fcller.example"));
        assertTrue(Printable.isVisibleUtf8("m\u00fcller.example"));
        assertTrue(Printable.isVisibleUtf8("\uD83D\uDCE7.example"));
        assertFalse(Printable.isVisibleUtf8("bad\uFFFD.example"));
        assertFalse(Printable.isVisibleUtf8("a\u0085b"));
        assertFalse(Printable.isVisibleUtf8("a\u0000b"));
        assertFalse(Printable.isVisibleUtf8("\uD800.example"));
    }
}
