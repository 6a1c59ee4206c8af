package org.carrier.delivery.smtp.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.TlsReportMessages;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;
import org.carrier.delivery.smtp.internal.tls.TlsPolicyDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of one message over SMTP or LMTP: a slot for the destination, a reused session or a
 * new one to the first next hop that takes it, one transaction, and the session kept for the next message.
 */
final class ClientDelivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientDelivery.class);

    private final Protocol protocol;
    private final Settings settings;
    private final SessionOpener opener;
    private final MailTransaction transaction;
    private final SessionPool pool;
    private final DestinationLimits limits;
    private final ScheduledFuture<?> sweeper;

    /** A client that resolves next-hop names with {@code dns} (which may give null: no resolver, names are deferred). */
    ClientDelivery(Protocol protocol, Settings settings, TlsContexts tls, Watchdog watchdog, Supplier<DnsResolver> dns) {
        this(protocol, settings, tls, watchdog, new Policies(dns, () -> null, () -> null, TlsResults.sessionCounter()));
    }

    /**
     * The services the client uses, each of which may be absent (a supplier giving null): the DNS resolver, the MTA-STS
     * policy source and the TLS-RPT recorder; the counter of TLS sessions by policy and outcome; and the outbound
     * filters in force (never null; {@link OutboundStage#NONE} for none); the cluster's shared state, whose
     * per-destination connection slots all nodes count on (giving null: none, this node counts alone).
     */
    record Policies(Supplier<DnsResolver> dns, Supplier<MtaStsPolicies> mtaSts, Supplier<TlsResultRecorder> recorder,
                    CounterFamily tlsSessions, Supplier<OutboundStage> outbound, Supplier<SharedState> cluster) {
        Policies(Supplier<DnsResolver> dns, Supplier<MtaStsPolicies> mtaSts, Supplier<TlsResultRecorder> recorder,
                 CounterFamily tlsSessions) {
            this(dns, mtaSts, recorder, tlsSessions, () -> OutboundStage.NONE);
        }

        Policies(Supplier<DnsResolver> dns, Supplier<MtaStsPolicies> mtaSts, Supplier<TlsResultRecorder> recorder,
                 CounterFamily tlsSessions, Supplier<OutboundStage> outbound) {
            this(dns, mtaSts, recorder, tlsSessions, outbound, () -> null);
        }
    }

    ClientDelivery(Protocol protocol, Settings settings, TlsContexts tls, Watchdog watchdog, Policies services) {
        this.protocol = protocol;
        this.settings = settings;
        TlsPolicyDecision decision = new TlsPolicyDecision(services.dns(), services.mtaSts(),
                Duration.ofMillis(settings.timeouts().connect()));
        this.opener = new SessionOpener(protocol, settings, tls, watchdog, services.dns(), decision,
                new TlsResults(services.recorder(), services.tlsSessions()));
        this.transaction = new MailTransaction(protocol, settings, services.outbound());
        this.pool = new SessionPool(settings.reuse(), settings.timeouts().connect());
        this.limits = new DestinationLimits(settings.reuse(), services.cluster(), new ClusterSlots());
        this.sweeper = watchdog.every(this::sweep, Math.max(100, Math.min(settings.reuse().idleMillis() / 2, 5_000)));
    }

    List<RecipientOutcome> deliver(DeliveryRequest request) {
        if (request.envelope().recipients().isEmpty()) {
            return List.of(); // nothing to do: no connection for a transaction without recipients
        }
        if (!byDomain(request)) {
            return deliver(request, (String) null);
        }
        Map<String, List<Recipient>> domains = new LinkedHashMap<>();
        request.envelope().recipients().forEach(r -> domains.computeIfAbsent(domainOf(r), d -> new ArrayList<>()).add(r));
        if (domains.size() == 1) {
            return deliver(request, domains.keySet().iterator().next());
        }
        // The MTA-STS policy and the names a DANE-TA certificate may carry are the recipient domain's (RFC 8461 §4,
        // RFC 7672 §3.2.2): recipients of several domains that share MX hosts get one transaction per domain.
        Map<Recipient, RecipientOutcome> outcomes = new HashMap<>();
        for (Map.Entry<String, List<Recipient>> domain : domains.entrySet()) {
            DeliveryRequest part = new DeliveryRequest(request.queueId(), request.envelope().withRecipients(domain.getValue()),
                    request.nextHops(), request.options(), request.message());
            deliver(part, domain.getKey()).forEach(o -> outcomes.put(o.recipient(), o));
        }
        return request.envelope().recipients().stream().map(outcomes::get).toList();
    }

    /** Whether the TLS policy depends on the recipient domain: DANE (and so MTA-STS) or REQUIRETLS towards MX hosts. */
    private static boolean byDomain(DeliveryRequest request) {
        // REQUIRETLS under verify needs the recipient domain too: its MX answer must be signed (RFC 8689 §4.2.1)
        return request.options().mxHosts() && (request.options().tls().usesDane() || request.envelope().requiresTls());
    }

    private static String domainOf(Recipient recipient) {
        return recipient.address().domain().toLowerCase(Locale.ROOT);
    }

    private List<RecipientOutcome> deliver(DeliveryRequest request, String domain) {
        TlsDemand demand = TlsDemand.of(request, protocol.relays());
        SessionOpener.Target target = new SessionOpener.Target(domain, demand, !TlsReportMessages.isReport(request.envelope()));
        DestinationKey key = DestinationKey.of(request, demand, domain);
        SmtpReply backedOff = limits.backedOff(key);
        if (backedOff != null) {
            return Outcomes.all(request.envelope().recipients(), backedOff, key.toString());
        }
        DestinationLimits.Permit permit;
        try {
            permit = slot(key);
        } catch (SharedStateException e) {
            // clusterFailure = CLOSED: the cluster's count of connections to the destination is unknown, so no attempt
            // (RFC 3463 §3.4: X.3.0, a mail system status; the queue retries).
            SmtpReply unknown = new SmtpReply(451, "4.3.0", "cannot count the cluster's connections to " + key
                    + " now (cluster state unavailable)");
            return Outcomes.all(request.envelope().recipients(), unknown, key.toString());
        }
        if (permit == null) {
            // RFC 3463 §3.5: X.4.5 "Mail system congestion".
            SmtpReply busy = new SmtpReply(451, "4.4.5", "too many concurrent deliveries to " + key + "; waited "
                    + settings.reuse().waitMillis() / 1000 + " s");
            return Outcomes.all(request.envelope().recipients(), busy, key.toString());
        }
        try (permit) {
            return deliver(request, key, target);
        }
    }

    private DestinationLimits.Permit slot(DestinationKey key) {
        try {
            return limits.acquire(key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private List<RecipientOutcome> deliver(DeliveryRequest request, DestinationKey key, SessionOpener.Target target) {
        Session reused = pool.take(key);
        if (reused != null) {
            LOG.debug("{}: reusing the connection to {} (transaction {})", request.queueId(), reused.remote(),
                    reused.transactions() + 1);
            MailTransaction.Result result = transaction.run(reused, request);
            if (!result.tryOnNewConnection()) {
                return finish(key, reused, result);
            }
            // The peer closed the idle connection, said 421, or still held an old transaction (503 to MAIL) before
            // accepting anything: a new connection, not a deferral and never a bounce.
            LOG.debug("{}: {} took nothing on the reused connection; opening a new one", request.queueId(), reused.remote());
            reused.connection().close();
        }
        Session session;
        try {
            session = opener.open(request.queueId(), request.nextHops(), request.options(), target);
            limits.succeeded(key);
        } catch (HopFailure e) {
            if (limits.failed(key, e.reply())) {
                LOG.warn("destination {} backed off for {} s: its deliveries are deferred at once; last problem: {}", key,
                        settings.reuse().backoffMillis() / 1000, e.getMessage());
            }
            return Outcomes.all(request.envelope().recipients(), e.reply(), e.remote());
        }
        return finish(key, session, transaction.run(session, request));
    }

    private List<RecipientOutcome> finish(DestinationKey key, Session session, MailTransaction.Result result) {
        if (result.reusable()) {
            pool.give(key, session);
        } else {
            session.connection().close();
        }
        return result.outcomes();
    }

    private void sweep() {
        pool.sweep();
        limits.forgetIdle();
        limits.renewClusterSlots();
    }

    /** Closes the idle connections; deliveries in progress finish and close theirs. */
    @Override
    public void close() {
        sweeper.cancel(false);
        pool.close();
    }
}
