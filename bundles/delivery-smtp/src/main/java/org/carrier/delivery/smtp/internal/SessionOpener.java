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
import org.carrier.api.route.TransportOptions;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyReport.Enforcement;
import org.carrier.delivery.smtp.internal.tls.EffectiveTlsPolicy;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;
import org.carrier.delivery.smtp.internal.tls.TlsPolicyDecision;
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
    private final TlsPolicyDecision decision;
    private final TlsResults results;

    SessionOpener(Protocol protocol, Settings settings, TlsContexts tls, Watchdog watchdog, Supplier<DnsResolver> dns,
                  TlsPolicyDecision decision, TlsResults results) {
        this.protocol = protocol;
        this.settings = settings;
        this.tls = tls;
        this.watchdog = watchdog;
        this.dns = dns;
        this.decision = decision;
        this.results = results;
    }

    /**
     * What the TLS policy of one delivery depends on besides the route.
     *
     * @param domain   the recipient domain, or null
     * @param demand   the message's demand (REQUIRETLS, TLS-Required: No)
     * @param recorded whether TLS-RPT records the attempts (not for a TLS report, RFC 8460 §5.3)
     */
    record Target(String domain, TlsDemand demand, boolean recorded) {
        static final Target ROUTE_ONLY = new Target(null, TlsDemand.ROUTE, false);
    }

    /**
     * @param target the recipient domain and the message's TLS demand, which with the route's options decide each
     *               hop's TLS policy
     * @throws HopFailure the last problem when no hop took a session
     */
    Session open(String queueId, List<NextHop> hops, TransportOptions options, Target target) throws HopFailure {
        HopFailure last = null; // made only when needed: an exception fills in its stack trace
        HopFailure unresolved = null;
        for (NextHop hop : hops) {
            EffectiveTlsPolicy policy = decision.decide(target.domain(), hop, options, target.demand(), target.recorded());
            if (policy.skipped()) {
                last = RequireTlsHops.worth(target.demand(), last, skipped(queueId, hop, policy));
                continue;
            }
            try {
                for (Endpoint endpoint : endpoints(hop)) {
                    try {
                        return RequireTlsHops.checked(target.demand(), open(queueId, endpoint, options, policy),
                                settings.timeouts().connect());
                    } catch (HopFailure e) {
                        HopFailure judged = RequireTlsHops.judged(target.demand(), e);
                        LOG.warn("{}: {} ({}, tls policy {}), trying the next host", queueId, judged.getMessage(), options,
                                policy.displayName());
                        last = RequireTlsHops.worth(target.demand(), last, judged);
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
     * A host the policy does not let us use: deferred {@code 4.7.5} (RFC 3463 §3.8, "Cryptographic failure": the
     * destination's DNSSEC or TLSA records, or its MTA-STS policy, forbid it now), never sent in the clear; a
     * REQUIRETLS message that no authenticated policy can carry fails {@code 5.7.10} (RFC 8689 §4.2.1, RFC 5248).
     */
    private HopFailure skipped(String queueId, NextHop hop, EffectiveTlsPolicy policy) {
        SmtpReply reply = policy.permanent() ? new SmtpReply(550, "5.7.10", policy.reason())
                : new SmtpReply(451, "4.7.5", policy.reason());
        LOG.warn("{}: {} not used, deferred by tls policy: {}", queueId, hop, policy.reason());
        results.failure(policy, hop.host(), null, policy.skipFailure(), policy.reason());
        return new HopFailure(reply, hop.toString());
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

    private Session open(String queueId, Endpoint endpoint, TransportOptions options, EffectiveTlsPolicy policy)
            throws HopFailure {
        try {
            return handshake(queueId, endpoint, options, policy);
        } catch (TlsHandshakeFailure e) {
            if (policy.requiresTls() && !policy.relaxed()) {
                throw e.failure;
            }
            if (policy.requiresTls()) {
                // RFC 8689 §5 (TLS-Required: No) and RFC 8460 §5.3 (a TLS report): deliver despite the policy failure,
                // with opportunistic TLS, whose own failure goes on in the clear.
                LOG.warn("{}: {}; delivering with opportunistic TLS (the message relaxes the policy)", queueId, e.failure.getMessage());
                return open(queueId, endpoint, options, policy.opportunistic("relaxed after: " + e.failure.getMessage()));
            }
            // RFC 7435 §3: opportunistic TLS that fails falls back to the clear, on a new connection.
            LOG.warn("{}: {}; delivering without TLS", queueId, e.failure.getMessage());
        }
        try {
            return handshake(queueId, endpoint, options, null);
        } catch (TlsHandshakeFailure e) {
            throw e.failure; // not reached: no TLS without a policy
        }
    }

    /** @param policy the TLS policy, or null for none (the clear fallback of opportunistic TLS) */
    private Session handshake(String queueId, Endpoint endpoint, TransportOptions options, EffectiveTlsPolicy policy)
            throws HopFailure, TlsHandshakeFailure {
        PeerConnection connection = connect(endpoint);
        try {
            greet(connection);
            Extensions extensions = hello(connection);
            boolean authenticated = false;
            if (policy != null && policy.enforcement() != Enforcement.NONE) {
                extensions = startTls(queueId, connection, endpoint.host(), extensions, policy);
                authenticated = policy.authenticated() && connection.tlsSession() != null;
            }
            new Authenticator(settings.timeouts().command()).authenticate(connection, extensions, options, endpoint.isLoopback());
            return new Session(connection, extensions, authenticated);
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

    private Extensions startTls(String queueId, PeerConnection connection, String host, Extensions extensions,
                                EffectiveTlsPolicy policy) throws IOException {
        boolean required = policy.requiresTls();
        if (!extensions.has("STARTTLS") || !connection.isTcp()) {
            results.failure(policy, host, connection, TlsFailureType.STARTTLS_NOT_SUPPORTED, "STARTTLS not offered");
            if (required) {
                throw notOffered(connection, policy);
            }
            return extensions;
        }
        Reply reply = connection.command("STARTTLS", settings.timeouts().command());
        if (reply.code() != 220) {
            results.failure(policy, host, connection, TlsFailureType.STARTTLS_NOT_SUPPORTED, "STARTTLS refused: " + reply.code());
            if (required) {
                throw new HopFailure(deferral(reply, "refused STARTTLS:"), connection.remote());
            }
            return extensions;
        }
        HandshakeCheck check = HandshakeCheck.of(policy, tls);
        try {
            connection.startTls(check.factory(), TlsContexts.parameters(policy.sniName(), check.checksName()), host,
                    settings.timeouts().command());
        } catch (SSLException e) {
            String why = check.problem(e);
            results.failure(policy, host, connection, check.failureType(e), why);
            // RFC 3463 §3.8: X.7.5 "Cryptographic failure" (an untrusted chain, a certificate for another name, a
            // certificate that no TLSA record matches).
            throw new TlsHandshakeFailure(new HopFailure(new SmtpReply(451, "4.7.5", "TLS handshake failed ("
                    + policy.displayName() + "): " + why), connection.remote()));
        }
        LOG.info("{}: {} TLS connection established to {}: {}{}", queueId, check.trustWord(connection), connection.remote(),
                TlsLog.protocolAndCipher(connection.sslSession()), check.detail());
        results.success(policy, host, connection);
        // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
        Reply again = connection.command(protocol.hello() + " " + settings.heloName(), settings.timeouts().command());
        if (!again.isPositive()) {
            throw new HopFailure(deferral(again, "refused " + protocol.hello() + " after STARTTLS:"), connection.remote());
        }
        return Extensions.of(again);
    }

    /**
     * RFC 3207 §4: a client that requires TLS must not go on without it. Under DANE or MTA-STS enforce, a missing
     * STARTTLS is what a downgrade attack looks like: X.7.5 as for any failure of the policy (RFC 7672 §2.2); under
     * encrypt and verify, X.7.10 "Encryption needed" (RFC 5248), as before.
     */
    private static IOException notOffered(PeerConnection connection, EffectiveTlsPolicy policy) {
        boolean byPolicy = policy.enforcement() == Enforcement.DANE || policy.enforcement() == Enforcement.MTA_STS_ENFORCE;
        HopFailure failure = new HopFailure(new SmtpReply(451, byPolicy ? "4.7.5" : "4.7.10", "TLS required (tls policy "
                + policy.displayName() + ") but STARTTLS not offered"), connection.remote());
        // a relaxed message goes on in the clear on a new connection, as opportunistic TLS does after a failure
        return policy.relaxed() ? new TlsHandshakeFailure(failure) : failure;
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
