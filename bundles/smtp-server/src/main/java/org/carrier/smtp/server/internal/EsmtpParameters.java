package org.carrier.smtp.server.internal;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.carrier.api.message.SmtpReply;

/**
 * Checks the ESMTP parameters of MAIL FROM and RCPT TO against the extensions this server offers
 * (RFC 5321 §4.1.1.11: an unknown parameter is refused with 555). Values are kept as given on the wire;
 * a bad value gets {@code 501 5.5.4}.
 */
final class EsmtpParameters {
    private static final Pattern SIZE_VALUE = Pattern.compile("\\d{1,18}");

    /** RFC 3461 §4.4: ENVID is at most 100 characters. */
    private static final int MAX_ENVID = 100;
    private static final Set<String> NOTIFY_KEYWORDS = Set.of("SUCCESS", "FAILURE", "DELAY");

    private EsmtpParameters() {
    }

    /**
     * MAIL FROM parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461),
     * AUTH (RFC 4954 §5), REQUIRETLS (RFC 8689 §2, only over TLS).
     *
     * @param tls whether the session is protected by TLS
     * @return the refusal, or {@code null} when every parameter is acceptable
     */
    static SmtpReply checkMail(Map<String, String> params, long maxMessageSize, boolean tls) {
        for (Map.Entry<String, String> p : params.entrySet()) {
            String value = p.getValue();
            SmtpReply bad = switch (p.getKey()) {
                case "SIZE" -> size(value, maxMessageSize);
                case "BODY" -> oneOf(value, "BODY", "7BIT", "8BITMIME");
                case "SMTPUTF8" -> value.isEmpty() ? null : Reply.syntax("Syntax: SMTPUTF8 takes no value");
                case "RET" -> oneOf(value, "RET", "FULL", "HDRS");
                case "ENVID" -> xtext(value, MAX_ENVID) ? null : Reply.syntax("Syntax: ENVID must be xtext of at most 100 characters");
                // RFC 4954 §5: the AUTH parameter names who submitted the message; we trust only our own AUTH, so it is ignored.
                case "AUTH" -> xtext(value, 500) ? null : Reply.syntax("Syntax: AUTH=<xtext>");
                case "REQUIRETLS" -> requireTls(value, tls);
                default -> unsupported(p.getKey());
            };
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    /**
     * RFC 8689 §2: REQUIRETLS takes no value and may be given only on a session that TLS protects; in the clear the
     * promise it asks for is already broken at this hop. RFC 3207 §4's 530 and RFC 5248's X.7.10 "Encryption needed".
     */
    private static SmtpReply requireTls(String value, boolean tls) {
        if (!value.isEmpty()) {
            return Reply.syntax("Syntax: REQUIRETLS takes no value");
        }
        return tls ? null : Reply.REQUIRETLS_NEEDS_TLS;
    }

    /** RCPT TO parameters: NOTIFY and ORCPT (RFC 3461 §4.1, §4.2). */
    static SmtpReply checkRcpt(Map<String, String> params) {
        for (Map.Entry<String, String> p : params.entrySet()) {
            SmtpReply bad = switch (p.getKey()) {
                case "NOTIFY" -> notify(p.getValue());
                case "ORCPT" -> orcpt(p.getValue());
                default -> unsupported(p.getKey());
            };
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    private static SmtpReply unsupported(String keyword) {
        return new SmtpReply(555, "5.5.4", "Unsupported option: " + keyword);
    }

    private static SmtpReply size(String value, long max) {
        if (!SIZE_VALUE.matcher(value).matches()) {
            return Reply.syntax("Syntax: SIZE=number");
        }
        return Long.parseLong(value) > max ? Reply.SIZE_EXCEEDS_LIMIT : null;
    }

    private static SmtpReply oneOf(String value, String name, String... allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(value)) {
                return null;
            }
        }
        return Reply.syntax("Syntax: " + name + "=" + String.join(" or ", allowed));
    }

    /** RFC 3461 §4.1: NEVER alone, or a comma-separated list of SUCCESS, FAILURE and DELAY, each once. */
    private static SmtpReply notify(String value) {
        if (value.equalsIgnoreCase("NEVER")) {
            return null;
        }
        Set<String> seen = new HashSet<>();
        for (String item : value.split(",", -1)) {
            if (!NOTIFY_KEYWORDS.contains(item.toUpperCase(Locale.ROOT)) || !seen.add(item.toUpperCase(Locale.ROOT))) {
                return Reply.syntax("Syntax: NOTIFY=NEVER or NOTIFY=SUCCESS,FAILURE,DELAY");
            }
        }
        return null;
    }

    /** RFC 3461 §4.2: ORCPT=addr-type;xtext, e.g. rfc822;user+40example.com (RFC 6533: utf-8 with UTF-8 text). */
    private static SmtpReply orcpt(String value) {
        int semicolon = value.indexOf(';');
        if (semicolon <= 0 || !value.substring(0, semicolon).matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")) {
            return Reply.syntax("Syntax: ORCPT=addr-type;address");
        }
        String address = value.substring(semicolon + 1);
        boolean ok = value.substring(0, semicolon).equalsIgnoreCase("utf-8")
                ? !address.isEmpty() && address.length() <= 500 && address.codePoints().noneMatch(c -> c < 0x21 || c == 0x7f)
                : xtext(address, 500);
        return ok ? null : Reply.syntax("Syntax: ORCPT address must be xtext");
    }

    /** RFC 3461 §4: xtext is printable ASCII except '+' and '=', with "+XX" (upper-case hex) for any other octet. */
    static boolean xtext(String value, int maxDecoded) {
        int decoded = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '+') {
                if (i + 2 >= value.length() || !isUpperHex(value.charAt(i + 1)) || !isUpperHex(value.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (c < 0x21 || c > 0x7e || c == '=') {
                return false;
            }
            decoded++;
        }
        return decoded > 0 && decoded <= maxDecoded;
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
