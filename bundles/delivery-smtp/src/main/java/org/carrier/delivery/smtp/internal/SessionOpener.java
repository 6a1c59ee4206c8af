package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.HostAddresses;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a session to the first next hop that takes one: each hop's addresses in order (RFC 5321 §5.1),
 * greeting, EHLO (HELO as fallback) or LHLO, STARTTLS as the route's policy says, AUTH with the route's
 * credentials. A host whose greeting is not 220 or that cannot connect is skipped for the next one.
 * A next hop whose host starts with {@code /} is a Unix domain socket (LMTP to a local Dovecot). A hop the router
 * gave no addresses for (a name in a route's {@code nextHops}) is resolved through the {@link DnsResolver} service,
 * never the system resolver, so the configured servers and the cache apply as for MX hosts.
 */
final class SessionOpener {
    private static final Logger LOG = LoggerFactory.getLogger(SessionOpener.class);

    private final Protocol protocol;
    private final Settings settings;
    private final TlsContexts tls;
    private final Watchdog watchdog;
    private final Supplier<DnsResolver> dns;

    SessionOpener(Protocol protocol, Settings settings, TlsContexts tls, Watchdog watchdog, Supplier<DnsResolver> dns) {
        this.protocol = protocol;
        this.settings = settings;
        this.tls = tls;
        this.watchdog = watchdog;
        this.dns = dns;
    }

    /**
     * @throws HopFailure the last problem when no hop took a session
     */
    Session open(String queueId, List<NextHop> hops, TransportOptions options) throws HopFailure {
        HopFailure last = null; // made only when needed: an exception fills in its stack trace
        HopFailure unresolved = null;
        for (NextHop hop : hops) {
            try {
                for (Endpoint endpoint : endpoints(hop)) {
                    try {
                        return open(endpoint, options);
                    } catch (HopFailure e) {
                        LOG.warn("{}: {} ({}), trying the next host", queueId, e.getMessage(), options);
                        last = e;
                    }
                }
            } catch (DnsLookupException e) {
                unresolved = unresolved(hop, e, unresolved);
                LOG.warn("{}: {}", queueId, unresolved.getMessage());
            }
        }
        if (last == null && unresolved == null) {
            throw new HopFailure(new SmtpReply(451, "4.4.3", "no next hop configured for this route"), "none");
        }
        throw last != null ? last : unresolved;
    }

    /**
     * A hop whose name gave no address, as the mx route judges MX hosts: when no hop has one and DNS said so for
     * each (NXDOMAIN, or no A/AAAA record), the mail fails (RFC 3463 §3.5: X.4.4 "Unable to route"); after a timeout
     * or SERVFAIL for any of them it is deferred (X.4.3 "Directory server failure"), the name may resolve later.
     */
    private static HopFailure unresolved(NextHop hop, DnsLookupException e, HopFailure before) {
        boolean temporary = e.kind() == DnsLookupException.Kind.TEMPORARY || (before != null && before.reply().isTransient());
        SmtpReply reply = temporary
                ? new SmtpReply(451, "4.4.3", "cannot resolve " + hop.host() + " now: " + e.getMessage())
                : new SmtpReply(550, "5.4.4", "next hop " + hop.host() + " has no address: " + e.getMessage());
        return new HopFailure(reply, hop.toString());
    }

    private Session open(Endpoint endpoint, TransportOptions options) throws HopFailure {
        if (options.tls() == TlsPolicy.DANE_ONLY) {
            throw new HopFailure(new SmtpReply(451, "4.7.5", "dane-only: no DANE-authenticated TLS possible"), endpoint.toString());
        }
        TlsPolicy policy = options.tls() == TlsPolicy.DANE ? TlsPolicy.MAY : options.tls(); // DANE: until TLSA is looked up
        try {
            return handshake(endpoint, options, policy);
        } catch (TlsHandshakeFailure e) {
            if (policy != TlsPolicy.MAY) {
                throw e.failure;
            }
            // RFC 7435 §3: opportunistic TLS that fails falls back to the clear, on a new connection.
            LOG.warn("{}; delivering without TLS", e.failure.getMessage());
        }
        try {
            return handshake(endpoint, options, TlsPolicy.NONE);
        } catch (TlsHandshakeFailure e) {
            throw e.failure; // not reached: no TLS without a policy
        }
    }

    private Session handshake(Endpoint endpoint, TransportOptions options, TlsPolicy policy)
            throws HopFailure, TlsHandshakeFailure {
        PeerConnection connection = connect(endpoint);
        try {
            greet(connection);
            Extensions extensions = hello(connection);
            if (policy != TlsPolicy.NONE) {
                extensions = startTls(connection, endpoint.host(), extensions, policy);
            }
            new Authenticator(settings.timeouts().command()).authenticate(connection, extensions, options, endpoint.isLoopback());
            return new Session(connection, extensions, policy == TlsPolicy.VERIFY && connection.tlsSession() != null);
        } catch (HopFailure e) {
            new Session(connection, Extensions.NONE).quit(settings.timeouts().connect());
            throw e;
        } catch (TlsHandshakeFailure e) {
            connection.close();
            throw e;
        } catch (IOException e) {
            connection.close();
            throw new HopFailure(new SmtpReply(451, "4.4.2", "connection lost: " + e.getMessage()), connection.remote());
        }
    }

    private PeerConnection connect(Endpoint endpoint) throws HopFailure {
        try {
            if (endpoint.socketPath() != null) {
                return PeerConnection.connectUnix(endpoint.socketPath(), watchdog);
            }
            return PeerConnection.connect(endpoint.host(), endpoint.address(), settings.timeouts().connect(), watchdog);
        } catch (IOException e) {
            // RFC 3463 §3.5: X.4.1 "No answer from host".
            throw new HopFailure(new SmtpReply(451, "4.4.1", "cannot connect: " + e.getMessage()), endpoint.toString());
        }
    }

    /** RFC 5321 §3.1: a host that does not greet with 220 is not taking mail now; the next one may. */
    private void greet(PeerConnection connection) throws IOException {
        Reply greeting = connection.read(settings.timeouts().command());
        if (greeting.code() != 220) {
            throw new HopFailure(deferral(greeting, "greeted with"), connection.remote());
        }
    }

    /** EHLO, or HELO if the peer does not know EHLO (RFC 5321 §4.1.1.1); LMTP knows only LHLO. */
    private Extensions hello(PeerConnection connection) throws IOException {
        Reply hello = connection.command(protocol.hello() + " " + settings.heloName(), settings.timeouts().command());
        if (hello.isPositive()) {
            return Extensions.of(hello);
        }
        if (protocol.heloFallback()) {
            Reply helo = connection.command("HELO " + settings.heloName(), settings.timeouts().command());
            if (helo.isPositive()) {
                return Extensions.NONE;
            }
            hello = helo;
        }
        throw new HopFailure(deferral(hello, "refused " + protocol.hello() + ":"), connection.remote());
    }

    private Extensions startTls(PeerConnection connection, String host, Extensions extensions, TlsPolicy policy)
            throws IOException {
        boolean required = policy == TlsPolicy.ENCRYPT || policy == TlsPolicy.VERIFY;
        if (!extensions.has("STARTTLS") || !connection.isTcp()) {
            if (required) {
                // RFC 3207 §4: a client that requires TLS must not go on without it. RFC 5248: X.7.10 "Encryption needed".
                throw new HopFailure(new SmtpReply(451, "4.7.10", "TLS required (tls=" + policy.name().toLowerCase()
                        + ") but not offered"), connection.remote());
            }
            return extensions;
        }
        Reply reply = connection.command("STARTTLS", settings.timeouts().command());
        if (reply.code() != 220) {
            if (required) {
                throw new HopFailure(deferral(reply, "refused STARTTLS:"), connection.remote());
            }
            return extensions;
        }
        try {
            connection.startTls(tls.factory(policy), TlsContexts.parameters(policy, host), host, settings.timeouts().command());
        } catch (SSLException e) {
            // RFC 3463 §3.8: X.7.5 "Cryptographic failure" (an untrusted chain or a certificate for another name).
            throw new TlsHandshakeFailure(new HopFailure(new SmtpReply(451, "4.7.5", "TLS handshake failed ("
                    + policy.name().toLowerCase() + "): " + e.getMessage()), connection.remote()));
        }
        LOG.info("{}: {} TLS connection, {}", connection.remote(), policy == TlsPolicy.VERIFY ? "verified" : "unverified",
                connection.tlsSession());
        // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
        Reply again = connection.command(protocol.hello() + " " + settings.heloName(), settings.timeouts().command());
        if (!again.isPositive()) {
            throw new HopFailure(deferral(again, "refused " + protocol.hello() + " after STARTTLS:"), connection.remote());
        }
        return Extensions.of(again);
    }

    /** A peer's refusal made a deferral: the hop may take mail later or another hop may take it now. */
    private static SmtpReply deferral(Reply reply, String what) {
        SmtpReply peer = reply.toSmtpReply();
        return peer.isTransient() ? peer : new SmtpReply(451, "4.4.0", what + " " + peer);
    }

    private List<Endpoint> endpoints(NextHop hop) throws DnsLookupException {
        List<Endpoint> endpoints = new ArrayList<>();
        if (hop.host().startsWith("/")) {
            endpoints.add(new Endpoint(hop.host(), null, Path.of(hop.host())));
            return endpoints;
        }
        List<InetAddress> addresses = hop.addresses().isEmpty()
                ? HostAddresses.of(hop.host(), dns.get(), Duration.ofMillis(settings.timeouts().connect())) : hop.addresses();
        for (InetAddress address : addresses) {
            endpoints.add(new Endpoint(hop.host(), new InetSocketAddress(address, hop.port()), null));
        }
        return endpoints;
    }

    /** One address (or Unix socket) of a next hop, with the hop's name for TLS checks and logs. */
    private record Endpoint(String host, InetSocketAddress address, Path socketPath) {
        boolean isLoopback() {
            return socketPath != null || address.getAddress().isLoopbackAddress();
        }

        @Override
        public String toString() {
            return socketPath != null ? "unix:" + socketPath : host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        }
    }

    /** A TLS handshake failure, which under policy MAY means: try again in the clear. */
    private static final class TlsHandshakeFailure extends IOException {
        private final HopFailure failure;

        TlsHandshakeFailure(HopFailure failure) {
            super(failure.getMessage());
            this.failure = failure;
        }
    }
}
