package org.carrier.api.message;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SMTP reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
 * (RFC 3463, {@code class.subject.detail}) and human-readable text.
 *
 * @param code           the reply code, 200 to 599
 * @param enhancedStatus the enhanced status code such as {@code 5.1.1}, or {@code null}
 * @param text           the text after the code(s); may contain line breaks for multi-line replies
 */
public record SmtpReply(int code, String enhancedStatus, String text) {
    private static final Pattern ENHANCED = Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3})(?:\\s+|$)(.*)", Pattern.DOTALL);

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("SMTP reply code out of range: " + code);
        }
        text = text == null ? "" : text;
    }

    /**
     * A reply as received from a peer: splits off an enhanced status code at the start of the text
     * when there is one whose class matches the reply code's first digit (RFC 3463 §2, RFC 2034 §4).
     */
    public static SmtpReply parse(int code, String text) {
        Matcher m = ENHANCED.matcher(text == null ? "" : text);
        if (m.matches() && m.group(1).charAt(0) == Character.forDigit(code / 100, 10)) {
            return new SmtpReply(code, m.group(1), m.group(2));
        }
        return new SmtpReply(code, null, text);
    }

    /** 2xx: the command succeeded. */
    public boolean isPositive() {
        return code < 400;
    }

    /** 4xx: a transient failure; the same command may succeed later (RFC 5321 §4.2.1). */
    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    /** 5xx: a permanent failure; the command must not be repeated unchanged. */
    public boolean isPermanent() {
        return code >= 500;
    }

    /** The single-line form {@code 550 5.1.1 text}, as used in logs and DSN diagnostic codes. */
    @Override
    public String toString() {
        String lines = text.replace("\r\n", " ").replace('\n', ' ');
        return enhancedStatus == null ? code + " " + lines : code + " " + enhancedStatus + " " + lines;
    }
}
