package org.carrier.dns.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.route.NextHop;

/**
 * The name servers to ask, from the {@code servers} setting: {@code host:port}, {@code [ipv6]:port} or a bare
 * address (port 53). An empty setting means the system's resolvers (/etc/resolv.conf).
 */
final class DnsServers {
    static final int DNS_PORT = 53;

    private DnsServers() {
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an address and port
     */
    static List<InetSocketAddress> parse(String setting) {
        List<InetSocketAddress> servers = new ArrayList<>();
        if (setting == null || setting.isBlank()) {
            return servers;
        }
        for (String entry : setting.trim().split("[\\s,]+")) {
            // A bare IPv6 address has colons of its own: it can only take a port in brackets, [::1]:53.
            boolean bareIpv6 = !entry.startsWith("[") && entry.indexOf(':') != entry.lastIndexOf(':');
            NextHop hop = bareIpv6 ? new NextHop(entry, DNS_PORT) : NextHop.parse(entry, DNS_PORT);
            // An address literal only: resolving the resolver's own name would need a resolver.
            if (!hop.host().matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("not an IP address: " + entry);
            }
            servers.add(new InetSocketAddress(hop.host(), hop.port()));
        }
        return servers;
    }
}
