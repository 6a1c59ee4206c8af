package org.carrier.smtp.server.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.text.Printable;

/** The Received header this server puts on top of every message it accepts (RFC 5321 §4.4). */
final class TraceHeader {
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private TraceHeader() {
    }

    /**
     * The header, folded, with its final CRLF.
     *
     * @param tlsCipher         the TLS cipher suite, or {@code null} on a plain channel
     * @param showAuthenticated whether to name the authenticated identity (a privacy choice of the listener)
     */
    static String received(SessionInfo session, String hostname, Envelope envelope, String queueId, String tlsCipher,
                           boolean showAuthenticated) {
        // RFC 5321 §4.4 TCP-info and §4.1.3: the client's address as an address literal.
        InetAddress client = session.clientAddress().getAddress();
        String literal = (client instanceof Inet6Address ? "IPv6:" : "") + client.getHostAddress();
        // RFC 5322 §2.2: client text in the field cannot break it (no CR, LF or other control), and is ASCII unless the
        // message is SMTPUTF8 (RFC 6532): a UTF-8 EHLO name would otherwise make an 8-bit header no next hop can take.
        boolean utf8 = envelope.mailParameters().containsKey("SMTPUTF8");
        StringBuilder h = new StringBuilder("Received: from ").append(safe(session.heloName(), utf8))
                .append(" ([").append(literal).append("])");
        if (session.tlsProtocol() != null) {
            h.append("\r\n\t(using ").append(session.tlsProtocol()).append(" with cipher ").append(tlsCipher).append(')');
        }
        if (showAuthenticated && session.authenticatedUser() != null) {
            h.append("\r\n\t(Authenticated sender: ").append(safe(session.authenticatedUser(), utf8)).append(')');
        }
        h.append("\r\n\tby ").append(hostname).append(" (Carrier) with ").append(protocol(session, envelope))
                .append(" id ").append(queueId);
        if (envelope.recipients().size() == 1) {
            h.append("\r\n\tfor <").append(safe(envelope.recipients().get(0).address().toString(), utf8)).append('>');
        }
        return h.append(";\r\n\t").append(now()).append("\r\n").toString();
    }

    private static String safe(String clientText, boolean utf8) {
        return utf8 ? Printable.text(clientText) : Printable.ascii(clientText);
    }

    /** RFC 3848 and RFC 6531 §3.7.3: the "with" protocol names TLS (S) and AUTH (A), and UTF8SMTP for SMTPUTF8. */
    static String protocol(SessionInfo session, Envelope envelope) {
        if (!session.esmtp()) {
            return "SMTP";
        }
        String base = envelope.mailParameters().containsKey("SMTPUTF8") ? "UTF8SMTP" : "ESMTP";
        boolean tls = session.tlsProtocol() != null;
        boolean auth = session.authenticatedUser() != null;
        return base + (tls ? "S" : "") + (auth ? "A" : "");
    }

    /** Now, as RFC 5322 §3.3 writes a date-time: for the Received field and a missing Date field. */
    static String now() {
        return RFC5322_DATE.format(ZonedDateTime.now());
    }
}
