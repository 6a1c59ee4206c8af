package org.carrier.smtp.server.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Mailbox;

/**
 * The argument of MAIL FROM and RCPT TO: a path in angle brackets and ESMTP parameters
 * (RFC 5321 §4.1.2, §4.1.1.2, §4.1.1.3).
 *
 * @param address    the mailbox, or {@code null} for the null path {@code <>}
 * @param parameters {@code KEYWORD[=value]} pairs, keywords in upper case
 */
record PathArgument(MailAddress address, Map<String, String> parameters) {

    /** Why an argument was refused; the message is the reply text. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean inParameters;

        SyntaxException(String message) {
            this(message, false);
        }

        SyntaxException(String message, boolean inParameters) {
            super(message);
            this.inParameters = inParameters;
        }

        /** Whether the parameters were wrong (501 5.5.4) rather than the address (501 5.1.7 or 5.1.3). */
        boolean inParameters() {
            return inParameters;
        }
    }

    private static final Pattern SOURCE_ROUTE = Pattern.compile("@" + Mailbox.LABEL + "(?:\\." + Mailbox.LABEL + ")*(?:,@" + Mailbox.LABEL + "(?:\\." + Mailbox.LABEL + ")*)*:");
    private static final Pattern WHITE_SPACE = Pattern.compile("\\s+");
    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    /** RFC 5321 §4.1.2 esmtp-value: printable ASCII except '=' (and, with SMTPUTF8, UTF-8: RFC 6531 §3.3). */
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x3c\\x3e-\\x7e" + Mailbox.UTF8 + "]+");

    /**
     * Parses {@code <path> [params]} after the colon of {@code FROM:} or {@code TO:}.
     *
     * @param bareMailboxes mailbox names accepted without a domain (e.g. {@code postmaster}, RFC 5321 §4.5.1),
     *                      mapped to an address at {@code bareDomain}
     */
    static PathArgument parse(String text, boolean allowNull, String bareDomain) throws SyntaxException {
        String s = text.strip();
        if (!s.startsWith("<")) {
            throw new SyntaxException("Syntax: the address must be in angle brackets, e.g. <user@example.com>");
        }
        int close = closingBracket(s);
        String path = s.substring(1, close);
        Map<String, String> params = parameters(s.substring(close + 1));
        if (path.isEmpty()) {
            if (!allowNull) {
                throw new SyntaxException("Syntax: a recipient address is required");
            }
            return new PathArgument(null, params);
        }
        // RFC 5321 §4.1.2 and Appendix C: a source route "@a,@b:" is accepted and ignored; the mailbox after it is
        // the whole destination, so "@ourdomain:user@elsewhere" is a path to elsewhere, never relayed by a trick.
        if (path.startsWith("@")) {
            int colon = path.indexOf(':');
            if (colon < 0 || !SOURCE_ROUTE.matcher(path.substring(0, colon + 1)).matches()) {
                throw new SyntaxException("Syntax: bad source route in <" + path + ">");
            }
            path = path.substring(colon + 1);
        }
        if (bareDomain != null && path.equalsIgnoreCase("postmaster")) {
            return new PathArgument(MailAddress.of("postmaster", bareDomain), params);
        }
        return new PathArgument(mailbox(path), params);
    }

    private static int closingBracket(String s) throws SyntaxException {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        throw new SyntaxException("Syntax: missing '>' after the address");
    }

    private static MailAddress mailbox(String path) throws SyntaxException {
        try {
            return Mailbox.parse(path);
        } catch (IllegalArgumentException e) {
            throw new SyntaxException(e.getMessage());
        }
    }

    /** Whether the address needs SMTPUTF8 (RFC 6531): any octet beyond ASCII. */
    static boolean isInternational(MailAddress address) {
        return Mailbox.isInternational(address);
    }

    private static Map<String, String> parameters(String text) throws SyntaxException {
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : WHITE_SPACE.split(text.strip())) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            String value = eq < 0 ? "" : p.substring(eq + 1);
            if (!KEYWORD.matcher(key).matches() || (eq >= 0 && !VALUE.matcher(value).matches())) {
                throw new SyntaxException("Syntax: bad parameter " + p, true);
            }
            if (params.put(key.toUpperCase(Locale.ROOT), value) != null) {
                throw new SyntaxException("Syntax: parameter " + key + " given twice", true);
            }
        }
        return params;
    }
}
