package org.carrier.smtp.server.internal;

import org.carrier.smtp.server.internal.auth.AuthLockout;
import org.carrier.smtp.server.internal.auth.AuthRules;
import org.carrier.smtp.server.internal.auth.ListenerRole;
import org.carrier.smtp.server.internal.auth.UsersFile;
import org.carrier.smtp.server.internal.sender.SenderLoginCheck;
import org.carrier.smtp.server.internal.tls.ListenerTls;

/**
 * The settings of one listener, validated. Limits follow RFC 5321 §4.5.3 and common MTA defaults.
 *
 * @param role                     what the port is for: MX, submission (AUTH before MAIL) or implicit TLS (smtps)
 * @param maxLineLength            longest command line in octets including CRLF (RFC 5321 §4.5.3.1.4, raised by extensions)
 * @param maxConnectionsPerClient  sessions at once from one untrusted client address (after PROXY, the real client)
 * @param reservedTrustedConnections of {@code maxConnections}, the slots only trusted clients may take (at most half)
 * @param commandTimeoutMillis     RFC 5321 §4.5.3.2.7: at least 5 minutes; here a deadline for each command line
 * @param dataTimeoutMillis        RFC 5321 §4.5.3.2.5: at least 3 minutes; here a deadline for the whole DATA content
 *                                 and for each BDAT chunk
 * @param stressTimeoutMillis      the command deadline of untrusted clients while most of their slots are taken
 * @param maxHops                  Received fields (ours included) at which a message is a loop (RFC 5321 §6.3): 554 5.4.6
 * @param maxJunkCommands          NOOP, RSET, VRFY and HELP allowed before each counts as an error (Postfix's junk limit)
 * @param normalizeBareLineEndings false: bare CR or LF in message content is refused (SMTP smuggling protection)
 * @param proxyNetworks            when not empty, the listener is behind a proxy: every connection must come from these
 *                                 networks and start with a PROXY protocol header (v1 or v2)
 * @param receivedShowsAuthUser    whether the Received header names the authenticated identity
 * @param tls                      the listener's certificate for STARTTLS and implicit TLS (followed when its files change), or null
 * @param users                    the AUTH users table, or null (no AUTH)
 * @param requireTlsForAuth        AUTH offered and accepted only inside TLS
 * @param senderLogins             which senders an authenticated user may use, and whether that is enforced
 * @param authLockout              when failed AUTH attempts lock a client network or a user name out
 */
record ListenerSettings(String name,
                        String bindAddress,
                        int port,
                        ListenerRole role,
                        String hostname,
                        Networks trustedNetworks,
                        long maxMessageSize,
                        int maxRecipients,
                        int maxLineLength,
                        int maxConnections,
                        int maxConnectionsPerClient,
                        int reservedTrustedConnections,
                        int commandTimeoutMillis,
                        int dataTimeoutMillis,
                        int stressTimeoutMillis,
                        int maxErrors,
                        int maxJunkCommands,
                        int maxHops,
                        boolean normalizeBareLineEndings,
                        Networks proxyNetworks,
                        boolean receivedShowsAuthUser,
                        ListenerTls tls,
                        UsersFile users,
                        boolean requireTlsForAuth,
                        SenderLoginCheck senderLogins,
                        AuthLockout authLockout) {

    boolean behindProxy() {
        return !proxyNetworks.isEmpty();
    }

    /** The AUTH decisions of this listener; the users table may gain or lose users while it runs. */
    AuthRules authRules() {
        return new AuthRules(role, users != null && users.size() > 0, requireTlsForAuth);
    }

    /** These settings with TLS (null: no STARTTLS, and no implicit TLS). */
    ListenerSettings withTls(ListenerTls serverTls) {
        return new ListenerSettings(name, bindAddress, port, role, hostname, trustedNetworks, maxMessageSize, maxRecipients,
                maxLineLength, maxConnections, maxConnectionsPerClient, reservedTrustedConnections, commandTimeoutMillis,
                dataTimeoutMillis, stressTimeoutMillis, maxErrors, maxJunkCommands, maxHops, normalizeBareLineEndings, proxyNetworks,
                receivedShowsAuthUser, serverTls, users, requireTlsForAuth,
                senderLogins, authLockout);
    }
}
