package org.carrier.api.message;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What is known about one SMTP session: who connected where, what it said in EHLO/HELO,
 * whether the channel is protected by TLS (RFC 3207) and who authenticated (RFC 4954).
 * Immutable: the server hands filters a new instance as the session advances.
 *
 * @param sessionId         an identifier for log lines about this session
 * @param listenerName      the name of the listener that accepted the connection
 * @param clientAddress     the client's address (after PROXY protocol, the original client)
 * @param localAddress      our address and port of the connection
 * @param heloName          the EHLO/HELO argument, or {@code null} before the client sent one
 * @param esmtp             whether the client greeted with EHLO (RFC 5321 §4.1.1.1)
 * @param tlsProtocol       the TLS protocol in use, or {@code null} for a plain channel
 * @param authenticatedUser the SMTP AUTH identity, or {@code null}
 * @param relayPermitted    whether this client may relay to non-local domains (trusted network or authenticated)
 * @param tlsCipher         the TLS cipher suite in use (its IANA name, e.g. {@code TLS_AES_256_GCM_SHA384}), or
 *                          {@code null} for a plain channel
 */
public record SessionInfo(String sessionId,
                          String listenerName,
                          InetSocketAddress clientAddress,
                          InetSocketAddress localAddress,
                          String heloName,
                          boolean esmtp,
                          String tlsProtocol,
                          String authenticatedUser,
                          boolean relayPermitted,
                          String tlsCipher) {

    /** A session whose cipher suite is not known (the form before 1.4: kept so that callers built against it link). */
    public SessionInfo(String sessionId, String listenerName, InetSocketAddress clientAddress,
                       InetSocketAddress localAddress, String heloName, boolean esmtp, String tlsProtocol,
                       String authenticatedUser, boolean relayPermitted) {
        this(sessionId, listenerName, clientAddress, localAddress, heloName, esmtp, tlsProtocol, authenticatedUser,
                relayPermitted, null);
    }

    /** The EHLO/HELO name, if the client sent one. */
    public Optional<String> helo() {
        return Optional.ofNullable(heloName);
    }

    /** The authenticated identity, if the client authenticated. */
    public Optional<String> authenticated() {
        return Optional.ofNullable(authenticatedUser);
    }

    /** This session after the client greeted with EHLO ({@code esmtp}) or HELO. */
    public SessionInfo withHelo(String name, boolean extended) {
        return new SessionInfo(sessionId, listenerName, clientAddress, localAddress, name, extended,
                tlsProtocol, authenticatedUser, relayPermitted, tlsCipher);
    }
}
