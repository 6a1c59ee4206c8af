package org.carrier.admin.internal.shell;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.carrier.admin.internal.overview.Ages;
import org.carrier.admin.internal.overview.QueueSummary;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;

/**
 * The text of {@code carrier:queue} (and {@code bin/mailq}) and {@code carrier:show}, in the spirit of Postfix's
 * {@code mailq}: one block per message (ID, size, arrival, sender), then each recipient with its state and last reply.
 * A {@code !} after the ID marks a message on hold.
 */
final class QueueListing {
    static final String HEADING = String.format(Locale.ROOT, "%-13s %9s  %-19s  %s", "-Queue ID-", "--Size--",
            "---Arrival Time----", "-Sender/Recipient-------");
    private static final String INDENT = " ".repeat(13 + 1 + 9 + 2 + 19 + 2);

    private final DateTimeFormatter time;
    private final Clock clock;

    /** @param zone the time zone arrival and retry times are shown in (the server's) */
    QueueListing(ZoneId zone, Clock clock) {
        this.time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(zone);
        this.clock = clock;
    }

    String list(List<QueuedMessage> messages) {
        if (messages.isEmpty()) {
            return "Mail queue is empty";
        }
        StringBuilder out = new StringBuilder(HEADING).append('\n');
        long bytes = 0;
        for (QueuedMessage message : messages) {
            bytes += message.size();
            out.append(String.format(Locale.ROOT, "%-13s %9d  %-19s  %s%n", message.queueId() + (message.held() ? "!" : ""),
                    message.size(), time.format(message.arrival()), sender(message.envelope())));
            for (RecipientStatus recipient : message.recipients()) {
                out.append(INDENT).append(String.format(Locale.ROOT, "%-9s ", recipient.state().name().toLowerCase(Locale.ROOT)))
                        .append(recipient.recipient().address()).append('\n');
                if (recipient.lastReply() != null) {
                    out.append(INDENT).append("          (").append(lastReply(recipient)).append(")\n");
                }
            }
            out.append('\n');
        }
        long kilobytes = (bytes + 1023) / 1024;
        out.append("-- ").append(kilobytes).append(" Kbytes in ").append(messages.size())
                .append(messages.size() == 1 ? " Request." : " Requests.");
        return out.toString();
    }

    /** Counts by state, then per destination domain (busiest first), as {@code carrier:queue --summary} shows them. */
    static String summary(QueueSummary summary) {
        StringBuilder out = new StringBuilder();
        out.append(summary.messages()).append(summary.messages() == 1 ? " message" : " messages")
                .append(" (").append(summary.held()).append(" held)\n");
        out.append("messages with a recipient ").append(counts(summary.messagesByState())).append('\n');
        out.append("recipients ").append(counts(summary.recipientsByState())).append('\n');
        if (!summary.domains().isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n%-32s %8s %8s %9s %9s %8s%n", "-Domain-", "messages", "pending", "deferred",
                    "delivered", "failed"));
            for (QueueSummary.DomainCount domain : summary.domains()) {
                Map<DeliveryState, Integer> by = domain.recipientsByState();
                out.append(String.format(Locale.ROOT, "%-32s %8d %8d %9d %9d %8d%n", domain.domain(), domain.messages(),
                        by.get(DeliveryState.PENDING), by.get(DeliveryState.DEFERRED), by.get(DeliveryState.DELIVERED),
                        by.get(DeliveryState.FAILED)));
            }
        }
        return out.toString().stripTrailing();
    }

    private static String counts(Map<DeliveryState, Integer> byState) {
        return byState.entrySet().stream()
                .map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** One message in full; {@code header}: its header section as it will be sent, when the queue can give it. */
    String show(QueuedMessage message, Optional<String> header) {
        Instant now = clock.instant();
        StringBuilder out = new StringBuilder();
        line(out, "Queue ID", message.queueId());
        line(out, "Arrival", time.format(message.arrival()) + " (" + Ages.describe(Duration.between(message.arrival(), now)) + " ago)");
        line(out, "Size", message.size() + " bytes");
        line(out, "Held", message.held() ? "yes (carrier:release " + message.queueId() + " lets it go)" : "no");
        line(out, "Sender", "<" + message.envelope().reversePath() + ">" + parameters(message.envelope().mailParameters()));
        out.append("Recipients:\n");
        for (RecipientStatus recipient : message.recipients()) {
            out.append("  <").append(recipient.recipient().address()).append('>')
                    .append(parameters(recipient.recipient().parameters())).append('\n');
            out.append("      state ").append(recipient.state().name().toLowerCase(Locale.ROOT))
                    .append(", ").append(recipient.attempts()).append(recipient.attempts() == 1 ? " attempt" : " attempts");
            if (recipient.nextAttempt() != null && !recipient.state().isFinal()) {
                out.append(", next ").append(time.format(recipient.nextAttempt()));
            }
            out.append('\n');
            if (recipient.lastReply() != null) {
                out.append("      last reply: ").append(lastReply(recipient)).append('\n');
            }
        }
        header.filter(h -> !h.isBlank()).ifPresent(h -> out.append("Header:\n").append(h.stripTrailing().indent(2)));
        return out.toString().stripTrailing();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-10s%s%n", label + ":", value));
    }

    private static String sender(Envelope envelope) {
        MailAddress sender = envelope.reversePath();
        return sender.isNullSender() ? "MAILER-DAEMON" : sender.toString();
    }

    private static String lastReply(RecipientStatus recipient) {
        return recipient.lastReply() + (recipient.lastRemote() == null ? "" : ", from " + recipient.lastRemote());
    }

    private static String parameters(Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return "";
        }
        return parameters.entrySet().stream()
                .map(e -> e.getValue() == null ? e.getKey() : e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" ", " ", ""));
    }
}
