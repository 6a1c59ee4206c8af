package org.carrier.api.dns;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.carrier.api.net.IpNetwork;

/**
 * The addresses of a next hop named in a route ({@code nextHops = mail.example.net:25}), found the one way every part
 * of Carrier finds them: through the {@link DnsResolver} service, so that the configured servers, the cache, and the
 * permanent/temporary distinction apply, never the system resolver. The SMTP and LMTP clients connect to these
 * addresses; the console's and shell's "where would this address go?" shows them.
 */
public final class HostAddresses {
    private HostAddresses() {
    }

    /**
     * An IP literal is its own address and {@code localhost} the loopback addresses (RFC 6761 §6.3: never asked of
     * DNS); any other name gets its AAAA and A records from {@code dns}, waiting at most {@code maxWait}.
     *
     * @throws DnsLookupException {@code NAME_NOT_FOUND} or {@code NO_DATA} when the name has no address (permanent),
     *                            {@code TEMPORARY} for a timeout, SERVFAIL, no resolver ({@code dns} null) or an
     *                            interrupt
     */
    public static List<InetAddress> of(String host, DnsResolver dns, Duration maxWait) throws DnsLookupException {
        List<InetAddress> literal = literal(host);
        if (literal != null) {
            return literal;
        }
        if (dns == null) {
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, "no DNS resolver available to look up " + host);
        }
        return DnsWait.await(dns.addresses(host), maxWait, host);
    }

    /** The address of an IP literal host, the loopback addresses for localhost, or null for a name DNS must answer. */
    private static List<InetAddress> literal(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.indexOf('/') >= 0) {
            return null; // not an address (a Unix socket path is no DNS name either, but callers keep those apart)
        }
        if (name.equalsIgnoreCase("localhost")) {
            return List.of(InetAddress.getLoopbackAddress());
        }
        try {
            return List.of(IpNetwork.parse(name).address());
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
    }
}
