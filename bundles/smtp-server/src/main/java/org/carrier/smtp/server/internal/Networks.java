package org.carrier.smtp.server.internal;

import java.net.InetAddress;
import java.util.List;

import org.carrier.api.net.IpNetwork;

/** A list of networks in CIDR notation ({@code 127.0.0.0/8}, {@code ::1/128}), for relay permission. */
final class Networks {
    private final List<IpNetwork> networks;

    private Networks(List<IpNetwork> networks) {
        this.networks = List.copyOf(networks);
    }

    /**
     * Parses a comma or space separated list; an address without {@code /bits} is a single host.
     *
     * @throws IllegalArgumentException naming the entry that is not a network
     */
    static Networks parse(String text) {
        return new Networks(IpNetwork.parseList(text));
    }

    boolean isEmpty() {
        return networks.isEmpty();
    }

    boolean contains(InetAddress address) {
        return networks.stream().anyMatch(n -> n.contains(address));
    }
}
