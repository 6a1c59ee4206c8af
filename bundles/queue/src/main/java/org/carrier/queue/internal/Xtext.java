package org.carrier.queue.internal;

/** RFC 3461 §4: xtext, the encoding of ENVID and ORCPT values ({@code +} and two hex digits for a byte). */
final class Xtext {
    private Xtext() {
    }

    /** Decodes {@code +XX} escapes; anything that is not a valid escape stays as it is. */
    static String decode(String xtext) {
        StringBuilder sb = new StringBuilder(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+' && i + 2 < xtext.length() && isHex(xtext.charAt(i + 1)) && isHex(xtext.charAt(i + 2))) {
                sb.append((char) Integer.parseInt(xtext.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
