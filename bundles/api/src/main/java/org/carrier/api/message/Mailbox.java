package org.carrier.api.message;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of a mailbox, {@code Local-part "@" ( Domain / address-literal )} (RFC 5321 §4.1.2, with the UTF-8 of
 * RFC 6531 §3.3): the one check for an address that comes from outside, whether in SMTP's MAIL and RCPT or in a REST
 * API's injection.
 *
 * @since 1.5
 */
public final class Mailbox {
    /**
     * RFC 6531 §3.3: UTF8-non-ascii, as a character class range, joins atext, qtextSMTP, domain labels (U-labels) and
     * esmtp-value; controls and U+FFFD do not.
     */
    public static final String UTF8 = "\\x{A0}-\\x{FFFC}\\x{FFFE}-\\x{10FFFF}";
    private static final String LET_DIG = "[A-Za-z0-9" + UTF8 + "]";
    /** A domain label as a regular expression (RFC 5321 §4.1.2 sub-domain, with U-labels), for paths that list domains. */
    public static final String LABEL = LET_DIG + "(?:[A-Za-z0-9" + UTF8 + "-]*" + LET_DIG + ")?";
    // RFC 5321 §4.1.2: Dot-string local parts and domains of letters, digits and hyphens, or address literals.
    private static final Pattern ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~" + UTF8 + "-]+");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e" + UTF8 + "]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern DOMAIN = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*");
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\[(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\]");
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[IPv6:([0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*)\\]", Pattern.CASE_INSENSITIVE);

    private Mailbox() {
    }

    /**
     * The address {@code local@domain}, checked.
     *
     * @throws IllegalArgumentException saying what is wrong (the SMTP server's reply text)
     */
    public static MailAddress parse(String path) {
        int at = path.lastIndexOf('@');
        if (at <= 0 || at == path.length() - 1) {
            throw new IllegalArgumentException("Syntax: the address must be of the form local-part@domain");
        }
        String local = path.substring(0, at);
        String domain = path.substring(at + 1);
        boolean localOk = QUOTED.matcher(local).matches() || dotString(local);
        if (!localOk) {
            throw new IllegalArgumentException("Syntax: bad local part in <" + path + ">");
        }
        if (!(DOMAIN.matcher(domain).matches() || addressLiteral(domain)) || domain.length() > 255) {
            throw new IllegalArgumentException("Syntax: bad domain in <" + path + ">");
        }
        return MailAddress.of(local, domain);
    }

    /** Whether the address needs SMTPUTF8 (RFC 6531): any octet beyond ASCII. */
    public static boolean isInternational(MailAddress address) {
        return address != null && !address.toString().chars().allMatch(c -> c < 0x80);
    }

    /** RFC 5321 §4.1.3: an IPv4 literal of four octets, or an IPv6 literal; general literals are refused. */
    private static boolean addressLiteral(String domain) {
        Matcher v4 = IPV4_LITERAL.matcher(domain);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        Matcher v6 = IPV6_LITERAL.matcher(domain);
        if (!v6.matches()) {
            return false;
        }
        try {
            // Contains colons, so this parses a literal and never asks DNS.
            return InetAddress.getByName(v6.group(1)) instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean dotString(String local) {
        for (String atom : local.split("\\.", -1)) {
            if (!ATOM.matcher(atom).matches()) {
                return false;
            }
        }
        return true;
    }
}
