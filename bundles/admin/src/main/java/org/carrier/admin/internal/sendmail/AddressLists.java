package org.carrier.admin.internal.sendmail;

import java.util.ArrayList;
import java.util.List;

/**
 * Takes the addr-specs out of an RFC 5322 §3.4 address list as found in To, Cc and Bcc fields (or a recipient argument):
 * {@code Name <a@example.org>, b@example.org (comment), "Doe, J" <j@example.org>, team: c@example.org, d@example.org;}.
 * Commas inside quotes, comments and angle brackets do not separate; a group contributes its members.
 */
final class AddressLists {
    private AddressLists() {
    }

    static List<String> addresses(String list) {
        List<String> found = new ArrayList<>();
        for (String mailbox : split(list)) {
            String address = addrSpec(mailbox);
            if (!address.isEmpty()) {
                found.add(address);
            }
        }
        return found;
    }

    /** Splits at commas and at the ':' and ';' of groups, outside quotes, comments and angle brackets. */
    private static List<String> split(String list) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        int comment = 0;
        boolean angle = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '\\' && (quoted || comment > 0) && i + 1 < list.length()) {
                current.append(c).append(list.charAt(++i));
                continue;
            }
            if (quoted) {
                quoted = c != '"';
            } else if (comment > 0) {
                comment += c == '(' ? 1 : c == ')' ? -1 : 0;
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                comment = 1;
            } else if (c == '<') {
                angle = true;
            } else if (c == '>') {
                angle = false;
            } else if (!angle && (c == ',' || c == ';')) {
                parts.add(current.toString());
                current.setLength(0);
                continue;
            } else if (!angle && c == ':') {
                current.setLength(0); // a group's display name: its members follow
                continue;
            }
            current.append(c);
        }
        parts.add(current.toString());
        return parts;
    }

    /** The address of one mailbox: what is in angle brackets, else the text without comments and blanks. */
    private static String addrSpec(String mailbox) {
        int open = angleOpen(mailbox);
        if (open >= 0) {
            int close = mailbox.indexOf('>', open);
            return mailbox.substring(open + 1, close < 0 ? mailbox.length() : close).trim();
        }
        return withoutComments(mailbox).trim();
    }

    /** The '<' that is not inside a quoted display name or a comment. */
    private static int angleOpen(String mailbox) {
        boolean quoted = false;
        int comment = 0;
        for (int i = 0; i < mailbox.length(); i++) {
            char c = mailbox.charAt(i);
            if (c == '\\') {
                i++;
            } else if (quoted) {
                quoted = c != '"';
            } else if (comment > 0) {
                comment += c == '(' ? 1 : c == ')' ? -1 : 0;
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                comment = 1;
            } else if (c == '<') {
                return i;
            }
        }
        return -1;
    }

    private static String withoutComments(String text) {
        StringBuilder out = new StringBuilder();
        int comment = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (comment > 0) {
                if (c == '\\') {
                    i++;
                } else {
                    comment += c == '(' ? 1 : c == ')' ? -1 : 0;
                }
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '(' && !quoted) {
                comment = 1;
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }
}
