package org.carrier.queue.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.Submission;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.RecipientStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides after each delivery attempt which delivery status notifications are due and queues them:
 * failures, the one delay warning, and successes when asked, each as the recipient's NOTIFY allows
 * (RFC 3461 §4.1). DSNs go from the null reverse-path (RFC 5321 §4.5.5) and are routed like any mail;
 * a message from the null reverse-path never gets one, but its failure may be reported to the postmaster.
 */
final class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    /** RFC 3461 §4.1: without NOTIFY the MTA chooses; like most MTAs, failures and delays. */

    /** Where DSNs go: into the queue, as new messages. */
    interface Outbox {
        /** @return the queue ID of the new message */
        String queue(Envelope envelope, byte[] message) throws IOException;
    }

    private final Spool spool;
    private final Outbox outbox;
    private final Clock clock;

    Notifier(Spool spool, Outbox outbox, Clock clock) {
        this.spool = spool;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * Called after an attempt with the recipients' states from before it, and the deliveries whose success this
     * MTA reports (see {@link DeliveryRun#successes()}).
     */
    void afterAttempt(QueueEntry entry, List<RecipientStatus> before, Map<Recipient, DsnReport.Action> successes,
                      QueueSettings settings) {
        Instant now = clock.instant();
        List<RecipientStatus> after = entry.recipients();
        List<DsnReport.Line> lines = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            RecipientStatus was = before.get(i);
            RecipientStatus is = after.get(i);
            Set<String> notify = is.recipient().notifyConditions();
            if (!was.state().isFinal() && is.state() == DeliveryState.FAILED && notify.contains("FAILURE")) {
                lines.add(new DsnReport.Line(is, DsnReport.Action.FAILED));
            } else if (!was.state().isFinal() && is.state() == DeliveryState.DELIVERED && notify.contains("SUCCESS")
                    && successes.containsKey(is.recipient())) {
                lines.add(new DsnReport.Line(is, successes.get(is.recipient())));
            }
        }
        if (!entry.delayNotified() && !now.isBefore(entry.arrival().plus(settings.delayWarning()))) {
            entry.markDelayNotified(); // once, whether or not anyone asked for it
            after.stream().filter(s -> s.state() == DeliveryState.DEFERRED && s.recipient().notifyConditions().contains("DELAY"))
                    .forEach(s -> lines.add(new DsnReport.Line(s, DsnReport.Action.DELAYED)));
        }
        if (!lines.isEmpty()) {
            report(entry, lines, settings, now);
        }
    }

    private void report(QueueEntry entry, List<DsnReport.Line> lines, QueueSettings settings, Instant now) {
        MailAddress to = entry.envelope().reversePath();
        if (to.isNullSender()) {
            // A DSN (or other null-sender mail) that failed: never a DSN to <>, perhaps a note to the postmaster.
            lines = lines.stream().filter(l -> l.action() == DsnReport.Action.FAILED).toList();
            MailAddress postmaster = settings.postmaster();
            boolean toPostmaster = postmaster != null
                    && lines.stream().noneMatch(l -> l.status().recipient().address().equals(postmaster));
            if (lines.isEmpty() || !toPostmaster) {
                lines.forEach(l -> LOG.warn("{}: undeliverable mail from <> to <{}> dropped: {}", entry.id(),
                        l.status().recipient().address(), l.status().lastReply()));
                return;
            }
            to = postmaster;
        }
        // RFC 8689 §5: a report on a REQUIRETLS message returns the header only, whatever RET says, and goes with
        // REQUIRETLS itself, so it is protected as the message was (its header is as private as the message).
        boolean requireTls = entry.envelope().requiresTls();
        boolean full = !requireTls && lines.stream().anyMatch(l -> l.action() == DsnReport.Action.FAILED)
                && "FULL".equalsIgnoreCase(entry.envelope().mailParameters().get("RET"));
        DsnReport.Subject about = new DsnReport.Subject(entry.id(), entry.arrival(), to,
                entry.envelope().mailParameters().get("ENVID"), entry.arrival().plus(settings.maxLifetime()),
                entry.envelope().isInternationalized());
        try (InputStream original = new BufferedInputStream(spool.source(entry).open())) {
            byte[] message = new DsnReport(settings.reportingMta()).write(about, lines, original, full, now);
            // Carrier is the author of the DSN (its From is the reporting MTA's postmaster): the outbound stage signs
            // it with that domain's key (Submission).
            Envelope envelope = new Envelope(MailAddress.nullSender(),
                    Submission.mark(requireTls ? Map.of(Envelope.REQUIRETLS, "") : Map.of()), List.of(Recipient.of(to)));
            String dsnId = outbox.queue(envelope, message);
            LOG.info("{}: sender delivery status notification ({}): {}", entry.id(), kinds(lines), dsnId);
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: could not queue the delivery status notification to <{}>: {}", entry.id(), to, e.toString());
        }
    }

    private static String kinds(List<DsnReport.Line> lines) {
        return String.join(",", lines.stream().map(l -> l.action().field).distinct().toList());
    }
}
