package org.carrier.api.message;

import java.util.ArrayList;
import java.util.List;

/**
 * Takes the addr-specs out of an RFC 5322 §3.4 address list as found in To, Cc and Bcc fields (or a recipient argument):
 * {@code Name <a@example.org>, b@example.org (comment), "Doe, J" <j@example.org>, team: c@example.org, d@example.org;}.
 * Commas inside quotes, comments and angle brackets do not separate; a group contributes its members. The same reading
 * serves every part that needs the addresses of a header field (sendmail's recipients, the From and Sender fields whose
 * owner the SMTP server checks, the From domain DKIM signs for), so that they never disagree on what a field names.
 */
public final class AddressList {
    private static final byte PLAIN = 0;
    private static final byte QUOTED = 1;
    private static final byte COMMENT = 2;

    private AddressList() {
    }

    /** The addr-specs of the list, in order, as written ({@code local@domain}, quotes kept); none for an empty list. */
    public static List<String> addresses(String list) {
        List<String> found = new ArrayList<>();
        for (String mailbox : split(list)) {
            String address = addrSpec(mailbox);
            if (!address.isEmpty()) {
                found.add(address);
            }
        }
        return found;
    }

    /**
     * What each character is part of: a quoted string (RFC 5322 §3.2.4, quotes and escapes included), a comment
     * (§3.2.2, nested, parentheses included) or neither.
     */
    private static byte[] kinds(String text) {
        byte[] kinds = new byte[text.length()];
        boolean quoted = false;
        int comment = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            byte kind = quoted ? QUOTED : comment > 0 ? COMMENT : PLAIN;
            if (kind != PLAIN && c == '\\' && i + 1 < text.length()) {
                kinds[i] = kind;
                kinds[++i] = kind;
                continue;
            }
            if (quoted) {
                quoted = c != '"';
            } else if (comment > 0) {
                comment += c == '(' ? 1 : c == ')' ? -1 : 0;
            } else if (c == '"') {
                quoted = true;
                kind = QUOTED;
            } else if (c == '(') {
                comment = 1;
                kind = COMMENT;
            }
            kinds[i] = kind;
        }
        return kinds;
    }

    /** Splits at commas and at the ':' and ';' of groups, outside quotes, comments and angle brackets. */
    private static List<String> split(String list) {
        byte[] kinds = kinds(list);
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean angle = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (kinds[i] == PLAIN) {
                angle = c == '<' || angle && c != '>';
                if (!angle && (c == ',' || c == ';')) {
                    parts.add(current.toString());
                    current.setLength(0);
                    continue;
                }
                if (!angle && c == ':') {
                    current.setLength(0); // a group's display name: its members follow
                    continue;
                }
            }
            current.append(c);
        }
        parts.add(current.toString());
        return parts;
    }

    /** The address of one mailbox: what is in angle brackets, else the text without comments and blanks. */
    private static String addrSpec(String mailbox) {
        byte[] kinds = kinds(mailbox);
        StringBuilder withoutComments = new StringBuilder();
        for (int i = 0; i < mailbox.length(); i++) {
            if (kinds[i] == PLAIN && mailbox.charAt(i) == '<') {
                int close = mailbox.indexOf('>', i);
                return mailbox.substring(i + 1, close < 0 ? mailbox.length() : close).trim();
            }
            if (kinds[i] != COMMENT) {
                withoutComments.append(mailbox.charAt(i));
            }
        }
        return withoutComments.toString().trim();
    }
}
