package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.route.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving: a new message is written into a reserved spool file, its recipients are expanded once, and at the
 * commit it goes straight to a delivery thread while there is room, else into the schedule. DSNs enter here too.
 */
final class Intake implements Notifier.Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

    private final Spool spool;
    private final QueueIds ids;
    private final Clock clock;
    private final FreeSpace freeSpace;
    private final Supplier<QueueSettings> settings;
    private final Supplier<Router> router;
    private final Claims claims;
    private final Dispatch dispatch;
    private final QueueMetrics metrics;

    /** What receiving checks and expands with. */
    record Checks(FreeSpace freeSpace, Supplier<QueueSettings> settings, Supplier<Router> router) {
    }

    Intake(Spool spool, QueueIds ids, Clock clock, Checks checks, Claims claims, Dispatch dispatch, QueueMetrics metrics) {
        this.spool = spool;
        this.ids = ids;
        this.clock = clock;
        this.freeSpace = checks.freeSpace();
        this.settings = checks.settings();
        this.router = checks.router();
        this.claims = claims;
        this.dispatch = dispatch;
        this.metrics = metrics;
    }

    /** @see org.carrier.api.queue.MailQueue#receive */
    IncomingMessage receive() throws IOException {
        freeSpace.check(settings.get().minFreeBytes());
        return receive(this::commitChecked);
    }

    /** @see org.carrier.api.queue.MailQueue#receivesAtOnce */
    boolean receivesAtOnce() {
        return spool.readyToReceive();
    }

    private IncomingMessage receive(SpoolIncomingMessage.Committer committer) throws IOException {
        String id = spool.reserve(ids::next);
        return new SpoolIncomingMessage(id, spool.contentFile(id), spool.rewriteFile(id), committer);
    }

    /** The space may have run out while the message came in: check again before it is queued. */
    private void commitChecked(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold)
            throws IOException {
        freeSpace.check(settings.get().minFreeBytes());
        commit(message, envelope, headers, hold);
    }

    private void commit(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold)
            throws IOException {
        QueueEntry entry = QueueEntry.arrived(message.queueId(), clock.instant(), expand(envelope), headers,
                message.size(), hold);
        // the one sync: content and envelope, in a file already in the directory
        FileChannel content = message.seal(Spool.trailer(entry));
        LOG.info("{}: from=<{}>, size={}, nrcpt={}{}", entry.id(), envelope.reversePath(), entry.size(),
                entry.envelope().recipients().size(), hold ? " (held)" : " (queue active)");
        entry.keepContentOpen(content);
        if (!admit(entry)) {
            entry.closeContent();
        }
    }

    /** A DSN: queued like any message, but past the free-space check (it is small, and owed to a sender). */
    @Override
    public String queue(Envelope envelope, byte[] message) throws IOException {
        try (IncomingMessage m = receive(this::commit)) {
            m.content().write(message);
            m.commit(envelope, List.of(), false);
            return m.queueId();
        }
    }

    /** Alias and virtual mailbox expansion, once, as the message enters the queue; duplicates delivered once. */
    private Envelope expand(Envelope envelope) {
        Router current = router.get();
        if (current == null) {
            return envelope;
        }
        Map<MailAddress, Recipient> expanded = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            current.expand(r).forEach(e -> expanded.putIfAbsent(e.address(), e));
        }
        return envelope.withRecipients(List.copyOf(expanded.values()));
    }

    /**
     * A new message goes straight to a delivery thread while there is room, else into the schedule.
     *
     * @return whether an attempt was submitted (it then closes the entry's open content)
     */
    private boolean admit(QueueEntry entry) {
        metrics.moved(null, QueueMetrics.MessageState.of(entry));
        if (entry.held()) {
            return false;
        }
        if (dispatch.hasRoom() && claims.claim(entry.id())) {
            return dispatch.start(entry);
        }
        dispatch.reschedule(entry);
        return false;
    }
}
