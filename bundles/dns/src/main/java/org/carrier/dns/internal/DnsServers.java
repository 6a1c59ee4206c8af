package org.carrier.dns.internal;

import java.net.InetSocketAddress;
import java.util.List;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.net.HostPort;

/**
 * The name servers to ask, from the {@code servers} setting: {@code host:port}, {@code [ipv6]:port} or a bare
 * address (port 53), separated by commas or white space. An empty setting means the system's resolvers
 * (/etc/resolv.conf).
 */
final class DnsServers {
    static final int DNS_PORT = 53;

    private DnsServers() {
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an address and port
     */
    static List<InetSocketAddress> parse(String... setting) {
        return ConfigLists.spaced(setting).stream().map(DnsServers::server).toList();
    }

    private static InetSocketAddress server(String entry) {
        HostPort server = HostPort.parse(entry, DNS_PORT);
        // An address literal only: resolving the resolver's own name would need a resolver.
        if (!server.isAddressLiteral()) {
            throw new IllegalArgumentException("not an IP address: " + entry);
        }
        return new InetSocketAddress(server.host(), server.port());
    }
}
