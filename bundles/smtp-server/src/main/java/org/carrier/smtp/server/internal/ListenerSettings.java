package org.carrier.smtp.server.internal;

/**
 * The settings of one listener, validated. Limits follow RFC 5321 §4.5.3 and common MTA defaults.
 *
 * @param commandTimeoutMillis RFC 5321 §4.5.3.2.7: at least 5 minutes
 * @param normalizeBareLineEndings false: bare CR or LF in DATA is refused (SMTP smuggling protection)
 */
record ListenerSettings(String name,
                        String bindAddress,
                        int port,
                        String hostname,
                        Networks trustedNetworks,
                        long maxMessageSize,
                        int maxRecipients,
                        int maxConnections,
                        int commandTimeoutMillis,
                        int dataTimeoutMillis,
                        int maxErrors,
                        boolean normalizeBareLineEndings) {
}
