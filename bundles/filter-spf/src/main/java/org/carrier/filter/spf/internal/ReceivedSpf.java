package org.carrier.filter.spf.internal;

import java.net.InetAddress;
import java.util.regex.Pattern;

import org.carrier.api.text.Printable;

/** The value of a {@code Received-SPF} header field (RFC 7208 §9.1). */
final class ReceivedSpf {
    /** RFC 5322 §3.2.3 dot-atom: values in this form go unquoted. */
    private static final Pattern DOT_ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");

    /** Which identity was checked (RFC 7208 §9.1 "identity" key). */
    enum Identity {
        MAILFROM, HELO;

        String keyword() {
            return this == MAILFROM ? "mailfrom" : "helo";
        }
    }

    private static final int MAX_VALUE = 200;
    /** RFC 5322 §2.2.3: a folded line goes on after CRLF and white space. */
    private static final String FOLD = "\r\n\t";

    private ReceivedSpf() {
    }

    /**
     * {@code result (receiver: comment)}, then on folded lines {@code client-ip=...; envelope-from="..."; helo=...;} and
     * {@code receiver=...; identity=...;} with {@code mechanism=} or {@code problem=} when known: each line stays within
     * RFC 5322 §2.1.1's 998 characters.
     */
    static String value(SpfOutcome outcome, Identity identity, InetAddress client, String sender, String helo, String receiver) {
        String ip = Names.readable(Addresses.normalize(client));
        String problem = shorten(outcome.problem());
        StringBuilder s = new StringBuilder(outcome.result().keyword())
                .append(" (").append(comment(receiver + ": " + explanation(outcome.result(), problem, ip, sender))).append(')')
                .append(FOLD).append("client-ip=").append(value(ip))
                .append("; envelope-from=").append(quoted(sender))
                .append("; helo=").append(value(helo == null ? "" : helo)).append(';')
                .append(FOLD).append("receiver=").append(value(receiver))
                .append("; identity=").append(identity.keyword()).append(';');
        if (outcome.mechanism() != null) {
            s.append(" mechanism=").append(value(shorten(outcome.mechanism()))).append(';');
        }
        if (problem != null && outcome.result() != SpfResult.NONE) {
            s.append(" problem=").append(value(problem)).append(';');
        }
        return s.toString();
    }

    /** Text from DNS (a problem can quote a record) is cut at 200 characters. */
    private static String shorten(String text) {
        return text == null || text.length() <= MAX_VALUE ? text : text.substring(0, MAX_VALUE) + "...";
    }

    /** The comment wording of RFC 7208 §9.1's examples. */
    private static String explanation(SpfResult result, String problem, String ip, String sender) {
        return switch (result) {
            case PASS -> "domain of " + sender + " designates " + ip + " as permitted sender";
            case FAIL -> "domain of " + sender + " does not designate " + ip + " as permitted sender";
            case SOFTFAIL -> "domain of transitioning " + sender + " does not designate " + ip + " as permitted sender";
            case NEUTRAL -> ip + " is neither permitted nor denied by domain of " + sender;
            case NONE -> "domain of " + sender + " does not designate permitted sender hosts";
            case PERMERROR -> "permanent error in processing domain of " + sender + ": " + problem;
            case TEMPERROR -> "temporary error in processing during lookup of " + sender;
        };
    }

    /**
     * RFC 5322 §3.2.2: a comment's parentheses and backslashes are quoted-pairs. Header text is printable ASCII on one
     * line: anything else from DNS or the client, line breaks included, becomes "?" ({@link Printable#ascii}).
     */
    private static String comment(String text) {
        return Printable.ascii(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)");
    }

    private static String value(String text) {
        return DOT_ATOM.matcher(text).matches() ? text : quoted(text);
    }

    private static String quoted(String text) {
        return '"' + Printable.ascii(text).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

}
