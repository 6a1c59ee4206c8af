package org.carrier.filter.milter.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.message.SmtpReply;

/**
 * The SMTP replies a milter's answers become: Postfix's for SMFIR_REJECT and SMFIR_TEMPFAIL, or the milter's own
 * text from SMFIR_REPLYCODE.
 */
final class Replies {
    /** SMFIR_REJECT, and defaultAction REJECT (Postfix: "550 5.7.1 Command rejected"). */
    static final FilterResult REJECT = FilterResult.reject(550, "5.7.1", "Command rejected");
    /** SMFIR_TEMPFAIL, and defaultAction TEMPFAIL (Postfix: "451 4.7.1 Service unavailable - try again later"). */
    static final FilterResult TEMPFAIL = FilterResult.tempfail(451, "4.7.1", "Service unavailable - try again later");

    private Replies() {
    }

    /**
     * SMFIR_REPLYCODE's text, {@code 554 5.7.1 text} or several lines {@code 550-5.7.1 one\r\n550 5.7.1 two}: a 4xx
     * or 5xx code (RFC 5321 §4.2), each line starting with it, the enhanced code (RFC 3463) kept once.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static FilterResult replyCode(String text) {
        String[] lines = text.split("\r?\n", -1);
        if (lines.length > 1 && lines[lines.length - 1].isEmpty()) {
            lines = java.util.Arrays.copyOf(lines, lines.length - 1);
        }
        if (lines[0].length() < 3 || !lines[0].substring(0, 3).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("a reply code that does not start with three digits: " + text.strip());
        }
        int code = Integer.parseInt(lines[0].substring(0, 3));
        if (code < 400 || code > 599) {
            throw new IllegalArgumentException("reply code " + code + " is neither 4xx nor 5xx");
        }
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            char separator = i < lines.length - 1 ? '-' : ' ';
            if (!line.startsWith(String.valueOf(code)) || line.length() > 3 && line.charAt(3) != separator && line.charAt(3) != ' ') {
                throw new IllegalArgumentException("reply line " + (i + 1) + " does not start with " + code + ": " + line);
            }
            texts.add(line.length() > 4 ? line.substring(4) : "");
        }
        SmtpReply first = SmtpReply.parse(code, texts.get(0));
        String status = first.enhancedStatus();
        List<String> plain = new ArrayList<>();
        for (String t : texts) {
            plain.add(status != null && t.startsWith(status) ? t.substring(status.length()).stripLeading() : t);
        }
        String joined = String.join("\r\n", plain);
        return code >= 500 ? FilterResult.reject(code, status, joined) : FilterResult.tempfail(code, status, joined);
    }
}
