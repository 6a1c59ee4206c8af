package org.carrier.api.text;

/**
 * Client-supplied text (a HELO name, an address, an AUTH user name) made safe for a log line or a header field, in the
 * manner of Postfix's {@code printable()}: every character that could end a line, start a forged one or confuse a
 * terminal becomes {@code '?'}. A CR or LF in a Received field would let a client inject header fields (RFC 5322
 * §2.2: a field ends at CRLF), and in a log line it would forge log lines.
 */
public final class Printable {
    /** What replaces each unsafe character. */
    public static final char REPLACEMENT = '?';

    private Printable() {
    }

    /**
     * {@code text} with ISO controls (C0, DEL, C1), line and paragraph separators, unpaired surrogates and U+FFFD
     * (what a decoder puts for invalid UTF-8) replaced; other characters, including non-ASCII letters, are kept
     * (log files are UTF-8). Null stays null.
     */
    public static String text(String text) {
        return replace(text, false);
    }

    /**
     * {@code text} with everything outside printable US-ASCII ({@code 0x20}-{@code 0x7e}) replaced: for a header field
     * of a message that is not SMTPUTF8 (RFC 5322 §2.2 allows only printable ASCII there). Null stays null.
     */
    public static String ascii(String text) {
        return replace(text, true);
    }

    /** Whether {@code text} is non-empty printable US-ASCII without spaces ({@code 0x21}-{@code 0x7e}), as a host name or address literal is. */
    public static boolean isVisibleAscii(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code text} is non-empty, without spaces, and every character is either visible ASCII or a non-ASCII
     * character that {@link #text} keeps: valid UTF-8 as RFC 6531 allows (a U+FFFD is taken as a decoding failure).
     */
    public static boolean isVisibleUtf8(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || (c < 0x80 ? c < 0x20 || c == 0x7f : unsafe(text, i, c))) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                i++; // unsafe() checked that its low half follows
            }
        }
        return true;
    }

    private static String replace(String text, boolean asciiOnly) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            boolean bad = c < 0x80 ? c < 0x20 || c == 0x7f : asciiOnly || unsafe(text, i, c);
            if (bad && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (bad) {
                    out.append(REPLACEMENT);
                } else {
                    out.append(c);
                    if (pair) {
                        out.append(text.charAt(i + 1));
                    }
                }
            }
            if (pair) {
                i++; // a character outside the BMP is one character: one replacement, or kept whole
            }
        }
        return out == null ? text : out.toString();
    }

    /** A non-ASCII character at {@code i} that must not pass: a C1 control, a line break, a stray surrogate, U+FFFD. */
    private static boolean unsafe(String text, int i, char c) {
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        }
        return Character.isISOControl(c) || Character.isLowSurrogate(c) || c == '\u2028' || c == '\u2029' || c == '\uFFFD';
    }
}
