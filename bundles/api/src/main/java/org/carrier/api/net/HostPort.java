package org.carrier.api.net;

import java.util.Objects;

/**
 * A host and TCP port as a setting writes them: {@code host:port}, {@code [IPv6]:port} (RFC 3986 §3.2.2: an IPv6
 * literal takes a port only in brackets), or the host alone with a default port. A bare IPv6 address ({@code ::1},
 * more than one colon and no brackets) is a host without a port: its last group is never taken for one.
 *
 * @param host a host name or an address literal, without brackets
 * @param port 1 to 65535
 */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not a host: \"" + host + "\"");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses {@code host:port}, {@code [IPv6]:port}, or a host alone ({@code [IPv6]} or a bare IPv6 address too),
     * which gets {@code defaultPort}.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static HostPort parse(String text, int defaultPort) {
        return parse(text, defaultPort, true);
    }

    /**
     * Parses {@code host:port} or {@code [IPv6]:port}: the port must be given.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static HostPort parseWithPort(String text) {
        return parse(text, 0, false);
    }

    private static HostPort parse(String text, int defaultPort, boolean portOptional) {
        String s = text.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ] in " + text);
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("only :port may follow ] in " + text);
            }
            host = s.substring(1, close);
            port = rest.isEmpty() ? null : rest.substring(1);
        } else if (s.indexOf(':') != s.lastIndexOf(':')) {
            host = s; // a bare IPv6 address: its colons are its own
            port = null;
        } else {
            int colon = s.indexOf(':');
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (port == null && !portOptional) {
            throw new IllegalArgumentException("no port in " + text + " (host:port or [IPv6]:port)");
        }
        return new HostPort(host, port == null ? defaultPort : portNumber(port, text));
    }

    private static int portNumber(String port, String text) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number in " + text);
        }
    }

    /** Whether the host is an IPv4 or IPv6 address literal, not a name (that would need a lookup). */
    public boolean isAddressLiteral() {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
    }

    /** {@code host:port}, an IPv6 host in brackets: the form {@link #parse} reads. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
