package org.carrier.smtp.server.internal;

/**
 * The settings of one listener, validated. Limits follow RFC 5321 §4.5.3 and common MTA defaults.
 *
 * @param role                     what the port is for: MX, submission (AUTH before MAIL) or implicit TLS
 * @param maxLineLength            longest command line in octets including CRLF (RFC 5321 §4.5.3.1.4, raised by extensions)
 * @param maxConnectionsPerClient  sessions at once from one client address (after PROXY, the real client)
 * @param commandTimeoutMillis     RFC 5321 §4.5.3.2.7: at least 5 minutes
 * @param dataTimeoutMillis        RFC 5321 §4.5.3.2.5: waiting for the next block of data, at least 3 minutes
 * @param normalizeBareLineEndings false: bare CR or LF in message content is refused (SMTP smuggling protection)
 * @param proxyNetworks            when not empty, the listener is behind a proxy: every connection must come from these
 *                                 networks and start with a PROXY protocol header (v1 or v2)
 * @param receivedShowsAuthUser    whether the Received header names the authenticated identity
 */
record ListenerSettings(String name,
                        String bindAddress,
                        int port,
                        Role role,
                        String hostname,
                        Networks trustedNetworks,
                        long maxMessageSize,
                        int maxRecipients,
                        int maxLineLength,
                        int maxConnections,
                        int maxConnectionsPerClient,
                        int commandTimeoutMillis,
                        int dataTimeoutMillis,
                        int maxErrors,
                        boolean normalizeBareLineEndings,
                        Networks proxyNetworks,
                        boolean receivedShowsAuthUser) {

    /** What a listening port is for. */
    enum Role {
        /** Mail exchange (port 25): mail for our domains from anyone, relaying for trusted or authenticated clients. */
        MX,
        /** Message submission (port 587, RFC 6409): AUTH is required before MAIL. */
        SUBMISSION,
        /** Submission with implicit TLS (port 465, RFC 8314): TLS from the first byte, AUTH required before MAIL. */
        SMTPS;

        boolean requiresAuth() {
            return this != MX;
        }
    }

    boolean behindProxy() {
        return !proxyNetworks.isEmpty();
    }
}
