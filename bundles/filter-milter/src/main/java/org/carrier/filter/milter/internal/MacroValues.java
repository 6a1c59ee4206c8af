package org.carrier.filter.milter.internal;

import java.net.InetSocketAddress;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.net.HostName;
import org.carrier.api.net.IpNetwork;

/**
 * The values of the macros a milter may ask for, named as Postfix names them (Postfix's MILTER_README, "Macros"),
 * from what the SMTP server tells filters. A macro Carrier has no value for is not sent, as Postfix sends no
 * undefined macro: {@code {auth_type}}, {@code {cert_subject}}, {@code {cert_issuer}} (the filter contract carries
 * the TLS protocol and cipher suite, not the mechanism nor a client certificate), {@code {mail_mailer}},
 * {@code {rcpt_host}} and {@code {rcpt_mailer}} (the route is chosen after the filters), and {@code i} before the
 * message data (the queue ID is made when the data begins).
 * <p>
 * Carrier does not look up the client's name, so {@code {client_name}} and {@code {client_ptr}} are
 * {@code unknown}, Postfix's value for a client without a verified name.
 *
 * @param session   the session
 * @param envelope  the transaction so far, or {@code null} before MAIL FROM
 * @param recipient the recipient of a RCPT stage, or {@code null}
 * @param queueId   the queue ID from the DATA stage on, or {@code null}
 */
record MacroValues(SessionInfo session, Envelope envelope, Recipient recipient, String queueId) {
    static final String UNKNOWN_NAME = "unknown";

    /** The value of the macro (named with or without braces), or {@code null} when Carrier has none. */
    String value(String macro) {
        String name = macro.startsWith("{") && macro.endsWith("}") ? macro.substring(1, macro.length() - 1) : macro;
        return switch (name) {
            case "j", "if_name" -> HostName.local();
            case "_" -> UNKNOWN_NAME + " [" + clientAddress() + "]";
            case "v" -> "Carrier";
            case "daemon_name" -> session.listenerName();
            case "daemon_addr", "if_addr" -> address(session.localAddress());
            case "daemon_port" -> port(session.localAddress());
            case "client_addr" -> clientAddress();
            case "client_port" -> port(session.clientAddress());
            case "client_name", "client_ptr" -> UNKNOWN_NAME;
            case "tls_version" -> session.tlsProtocol();
            case "cipher" -> session.tlsCipher();
            case "cipher_bits" -> cipherBits(session.tlsCipher());
            case "auth_authen" -> session.authenticatedUser();
            case "auth_author" -> envelope == null ? null : envelope.mailParameters().get("AUTH");
            case "mail_addr" -> envelope == null ? null : envelope.reversePath().toString();
            case "mail_host" -> envelope == null || envelope.reversePath().isNullSender() ? null : envelope.reversePath().domain();
            case "rcpt_addr" -> recipient == null ? null : recipient.address().toString();
            case "i" -> queueId;
            default -> null;
        };
    }

    /**
     * The key size of a cipher suite, read from its IANA name ({@code TLS_AES_128_GCM_SHA256} 128,
     * {@code TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384} 256, ChaCha20 256), as Postfix gives {@code {cipher_bits}};
     * {@code null} for a name that says no size.
     */
    static String cipherBits(String cipher) {
        if (cipher == null) {
            return null;
        }
        if (cipher.contains("CHACHA20")) {
            return "256";
        }
        for (String bits : new String[] {"256", "128", "192"}) {
            if (cipher.contains("_" + bits + "_") || cipher.endsWith("_" + bits)) {
                return bits;
            }
        }
        return null;
    }

    /** The client's address text: IPv4 dotted, IPv6 in its short form, as {@code {client_addr}} gives it. */
    String clientAddress() {
        return address(session.clientAddress());
    }

    private static String address(InetSocketAddress socket) {
        return socket == null || socket.getAddress() == null ? null : IpNetwork.text(socket.getAddress());
    }

    private static String port(InetSocketAddress socket) {
        return socket == null ? null : String.valueOf(socket.getPort());
    }

    /** The name as a macro packet carries it: one letter bare, a longer name in braces (Postfix and Sendmail alike). */
    static String wireName(String macro) {
        String name = macro.startsWith("{") && macro.endsWith("}") ? macro.substring(1, macro.length() - 1) : macro;
        return name.length() == 1 ? name : "{" + name + "}";
    }

    static boolean hasAddress(MailAddress address) {
        return !address.isNullSender();
    }
}
