package org.carrier.filter.milter.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

import org.carrier.api.net.HostPort;

/**
 * Where a milter listens, written as Postfix's {@code smtpd_milters} entries are: {@code inet:host:port},
 * {@code inet:[2001:db8::1]:port} (also {@code inet6:}) or {@code unix:/path/to/socket}.
 *
 * @param text    the address as configured, for log lines
 * @param address the socket address, unresolved for a host name (resolved at each connection)
 */
record MilterAddress(String text, SocketAddress address) {

    /** @throws IllegalArgumentException saying which forms are expected */
    static MilterAddress parse(String text) {
        String value = text == null ? "" : text.strip();
        if (value.startsWith("unix:") && value.length() > 5) {
            return new MilterAddress(value, UnixDomainSocketAddress.of(Path.of(value.substring(5))));
        }
        if (value.startsWith("inet:") || value.startsWith("inet6:")) {
            HostPort hostPort = HostPort.parseWithPort(value.substring(value.indexOf(':') + 1));
            return new MilterAddress(value, InetSocketAddress.createUnresolved(hostPort.host(), hostPort.port()));
        }
        throw new IllegalArgumentException("not inet:host:port, inet:[IPv6]:port or unix:/path");
    }

    @Override
    public String toString() {
        return text;
    }
}
