package org.carrier.api.route;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

import org.carrier.api.net.HostPort;

/**
 * A host and port a transport connects to, e.g. a relay host (RFC 5321 §5.1).
 *
 * The router may resolve the host's addresses itself (through the {@code DnsResolver}, so that MX hosts
 * and their addresses come from the same resolver); the transport then connects to those addresses in
 * order and keeps {@code host} for its HELO-independent uses (TLS name checks, logs).
 *
 * @param host      a host name or an IP address literal
 * @param port      the TCP port
 * @param addresses the host's addresses to try in order (RFC 5321 §5.1), or empty to let the transport
 *                  resolve {@code host} itself
 */
public record NextHop(String host, int port, List<InetAddress> addresses) {
    public NextHop {
        Objects.requireNonNull(host, "host");
        addresses = List.copyOf(addresses);
        if (host.isBlank()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** A host and port whose addresses the transport resolves. */
    public NextHop(String host, int port) {
        this(host, port, List.of());
    }

    /** This hop with its addresses resolved. */
    public NextHop withAddresses(List<InetAddress> resolved) {
        return new NextHop(host, port, resolved);
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port}, or a bare host with {@code defaultPort}: the rule of
     * {@link HostPort#parse}.
     *
     * @throws IllegalArgumentException if the text is not of that form
     */
    public static NextHop parse(String text, int defaultPort) {
        HostPort hostPort = HostPort.parse(text, defaultPort);
        return new NextHop(hostPort.host(), hostPort.port());
    }

    @Override
    public String toString() {
        return new HostPort(host, port).toString();
    }
}
