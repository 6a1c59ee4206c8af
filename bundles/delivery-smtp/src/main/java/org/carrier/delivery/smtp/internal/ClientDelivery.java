package org.carrier.delivery.smtp.internal;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of one message over SMTP or LMTP: a slot for the destination, a reused session or a
 * new one to the first next hop that takes it, one transaction, and the session kept for the next message.
 */
final class ClientDelivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientDelivery.class);

    private final Settings settings;
    private final SessionOpener opener;
    private final MailTransaction transaction;
    private final SessionPool pool;
    private final DestinationLimits limits;
    private final ScheduledFuture<?> sweeper;

    /** A client that resolves next-hop names with {@code dns} (which may give null: no resolver, names are deferred). */
    ClientDelivery(Protocol protocol, Settings settings, TlsContexts tls, Watchdog watchdog, Supplier<DnsResolver> dns) {
        this.settings = settings;
        this.opener = new SessionOpener(protocol, settings, tls, watchdog, dns);
        this.transaction = new MailTransaction(protocol, settings);
        this.pool = new SessionPool(settings.reuse(), settings.timeouts().connect());
        this.limits = new DestinationLimits(settings.reuse());
        this.sweeper = watchdog.every(this::sweep, Math.max(100, Math.min(settings.reuse().idleMillis() / 2, 5_000)));
    }

    List<RecipientOutcome> deliver(DeliveryRequest request) {
        if (request.envelope().recipients().isEmpty()) {
            return List.of(); // nothing to do: no connection for a transaction without recipients
        }
        DestinationKey key = DestinationKey.of(request, TlsDemand.of(request), null);
        SmtpReply backedOff = limits.backedOff(key);
        if (backedOff != null) {
            return Outcomes.all(request.envelope().recipients(), backedOff, key.toString());
        }
        DestinationLimits.Permit permit = slot(key);
        if (permit == null) {
            // RFC 3463 §3.5: X.4.5 "Mail system congestion".
            SmtpReply busy = new SmtpReply(451, "4.4.5", "too many concurrent deliveries to " + key + "; waited "
                    + settings.reuse().waitMillis() / 1000 + " s");
            return Outcomes.all(request.envelope().recipients(), busy, key.toString());
        }
        try (permit) {
            return deliver(request, key);
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

    private List<RecipientOutcome> deliver(DeliveryRequest request, DestinationKey key) {
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
            session = opener.open(request.queueId(), request.nextHops(), request.options());
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
    }

    /** Closes the idle connections; deliveries in progress finish and close theirs. */
    @Override
    public void close() {
        sweeper.cancel(false);
        pool.close();
    }
}
