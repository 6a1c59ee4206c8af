package org.carrier.queue.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.carrier.api.message.HeaderScan;
import org.carrier.api.message.HopLimit;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of one message: routes each due recipient afresh (so a routing change applies
 * to mail already queued), delivers each group that shares a transport and next hops in one
 * transaction, and records every outcome.
 */
final class DeliveryRun {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRun.class);

    private record Group(Destination destination, String transport, List<NextHop> hops, TransportOptions options) {
    }

    private final QueueEntry entry;
    private final Spool spool;
    private final Router router;
    private final Function<String, Transport> transports;
    private final QueueSettings settings;
    private final Clock clock;
    private final QueueMetrics metrics;
    private final Map<Recipient, DsnReport.Action> successes = new HashMap<>();
    /** The content, one for the whole attempt: its transports share one read of the header (a fan-out: ten). */
    private MessageSource source;

    DeliveryRun(QueueEntry entry, Spool spool, Router router, Function<String, Transport> transports,
                QueueSettings settings, Clock clock, QueueMetrics metrics) {
        this.entry = entry;
        this.spool = spool;
        this.router = router;
        this.transports = transports;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    void run() {
        List<Recipient> due = entry.due(clock.instant());
        SmtpReply loop = due.isEmpty() ? null : hopLimit();
        if (loop != null) {
            due.forEach(r -> record(RecipientOutcome.of(r, loop, "none")));
            return;
        }
        Map<Group, List<Recipient>> groups = new LinkedHashMap<>();
        for (Recipient r : due) {
            RouteDecision decision = router.route(r.address());
            if (decision.destination() == Destination.REFUSED) {
                record(RecipientOutcome.of(r, decision.refusal(), "none"));
            } else {
                groups.computeIfAbsent(new Group(decision.destination(), decision.transport(), decision.nextHops(), decision.options()), k -> new ArrayList<>()).add(r);
            }
        }
        groups.forEach(this::deliverGroup);
    }

    /**
     * RFC 5321 §6.3: a message that has made {@code maxHops} hops (Received fields, counted once per message) or more
     * is in a loop, and is not sent on but failed with 554 5.4.6 (RFC 3463 §3.5 "Routing loop detected"), like
     * Postfix's hopcount_limit. The reception refuses such mail already; this catches mail queued before, or looping
     * through a route back to ourselves. A content that cannot be read is left to the transport, which reports it.
     */
    private SmtpReply hopLimit() {
        if (entry.hops() < 0) {
            try {
                entry.hops(HeaderScan.values(source().headerFields(), "Received").size());
            } catch (IOException e) {
                return null;
            }
        }
        return HopLimit.refusal(entry.hops(), settings.maxHops()).orElse(null);
    }

    private MessageSource source() {
        if (source == null) {
            source = spool.source(entry);
        }
        return source;
    }

    private void deliverGroup(Group destination, List<Recipient> recipients) {
        Transport transport = transports.apply(destination.transport());
        if (transport == null) {
            SmtpReply missing = new SmtpReply(451, "4.3.0", "transport " + destination.transport() + " not available");
            recipients.forEach(r -> record(RecipientOutcome.of(r, missing, "none")));
            return;
        }
        List<RecipientOutcome> outcomes;
        try {
            outcomes = transport.deliver(new DeliveryRequest(entry.id(), entry.envelope().withRecipients(recipients),
                    destination.hops(), destination.options(), source()));
        } catch (RuntimeException e) {
            LOG.error("{}: transport {} failed: {}", entry.id(), destination.transport(), e.toString());
            SmtpReply failure = new SmtpReply(451, "4.3.0", "transport " + destination.transport() + " failed: " + e);
            recipients.forEach(r -> record(RecipientOutcome.of(r, failure, "none")));
            return;
        }
        List<Recipient> answered = new ArrayList<>();
        for (RecipientOutcome o : outcomes) {
            record(o);
            noteSuccess(destination, o);
            answered.add(o.recipient());
        }
        // A transport that forgot a recipient must not lose it: it is simply tried again.
        SmtpReply silent = new SmtpReply(451, "4.3.0", "transport " + destination.transport() + " gave no result");
        recipients.stream().filter(r -> !answered.contains(r)).forEach(r -> record(RecipientOutcome.of(r, silent, "none")));
    }

    /**
     * RFC 3461 §5.2: success is ours to report for a delivery into a mailbox ("delivered", §5.2.3: a local Maildir, or
     * an LMTP server's 250 for the recipient) or to a next hop without DSN support ("relayed", §5.2.2); a next hop
     * that took the NOTIFY parameter reports it itself.
     */
    private void noteSuccess(Group destination, RecipientOutcome o) {
        if (o.relayed()) {
            successes.put(o.recipient(), DsnReport.Action.RELAYED);
        } else if (o.outcome() == Outcome.DELIVERED && (o.finalDelivery() || destination.destination() == Destination.LOCAL)) {
            successes.put(o.recipient(), DsnReport.Action.DELIVERED);
        }
    }

    /** The recipients delivered in this run whose success this MTA reports, if they asked (NOTIFY=SUCCESS). */
    Map<Recipient, DsnReport.Action> successes() {
        return successes;
    }

    private void record(RecipientOutcome o) {
        Instant now = clock.instant();
        DeliveryState state = switch (o.outcome()) {
            case DELIVERED -> DeliveryState.DELIVERED;
            case FAILED -> DeliveryState.FAILED;
            case DEFERRED -> DeliveryState.DEFERRED;
        };
        SmtpReply reply = o.reply();
        Instant next = null;
        if (state == DeliveryState.DEFERRED) {
            if (now.isAfter(entry.arrival().plus(settings.maxLifetime()))) {
                // RFC 3463 §3.5: X.4.7 "Delivery time expired".
                state = DeliveryState.FAILED;
                reply = new SmtpReply(550, "5.4.7", "delivery time expired; last problem: " + o.reply());
            } else {
                next = now.plus(settings.retryDelay(entry.attempts(o.recipient()) + 1));
            }
        }
        entry.record(o.recipient(), state, next, reply, o.remote());
        metrics.outcome(status(state), Duration.between(entry.arrival(), now));
        LOG.info("{}: to=<{}>, relay={}, delay={}, attempts={}, status={} ({})", entry.id(), o.recipient().address(),
                o.remote(), delay(now), entry.attempts(o.recipient()), status(state), reply);
    }

    private String delay(Instant now) {
        // seconds with one decimal, rounded, as Postfix logs it; plain arithmetic, no Formatter per recipient
        long tenths = (Math.max(0, Duration.between(entry.arrival(), now).toMillis()) + 50) / 100;
        return tenths / 10 + "." + tenths % 10;
    }

    private static String status(DeliveryState state) {
        return switch (state) {
            case DELIVERED -> "sent";
            case FAILED -> "bounced";
            default -> "deferred";
        };
    }

}
