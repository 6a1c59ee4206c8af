package org.carrier.admin.internal.overview;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.junit.jupiter.api.Test;

class QueueSummaryTest {

    static QueuedMessage message(String id, boolean held, Object... addressAndState) {
        List<RecipientStatus> recipients = new java.util.ArrayList<>();
        for (int i = 0; i < addressAndState.length; i += 2) {
            recipients.add(new RecipientStatus(Recipient.of(MailAddress.parse((String) addressAndState[i])),
                    (DeliveryState) addressAndState[i + 1], 0, null, null, null));
        }
        Envelope envelope = new Envelope(MailAddress.parse("sender@example.org"), Map.of(),
                recipients.stream().map(RecipientStatus::recipient).toList());
        return new QueuedMessage(id, Instant.parse("2026-01-01T00:00:00Z"), envelope, 100, held, recipients);
    }

    @Test
    void countsMessagesRecipientsAndDomains() {
        QueueSummary summary = QueueSummary.of(List.of(
                message("A", false, "a@one.example", DeliveryState.DEFERRED, "b@two.example", DeliveryState.DELIVERED),
                message("B", true, "c@two.example", DeliveryState.PENDING, "d@two.example", DeliveryState.DEFERRED),
                message("C", false, "e@one.example", DeliveryState.FAILED)));

        assertEquals(3, summary.messages());
        assertEquals(1, summary.held());
        assertEquals(Map.of(DeliveryState.PENDING, 1, DeliveryState.DEFERRED, 2, DeliveryState.DELIVERED, 1,
                DeliveryState.FAILED, 1), summary.messagesByState());
        assertEquals(Map.of(DeliveryState.PENDING, 1, DeliveryState.DEFERRED, 2, DeliveryState.DELIVERED, 1,
                DeliveryState.FAILED, 1), summary.recipientsByState());

        // two.example has two waiting recipients, one.example one: the busier domain comes first
        assertEquals(List.of("two.example", "one.example"), summary.domains().stream().map(QueueSummary.DomainCount::domain).toList());
        QueueSummary.DomainCount two = summary.domains().get(0);
        assertEquals(2, two.messages());
        assertEquals(2, two.waiting());
        assertEquals(1, two.recipientsByState().get(DeliveryState.DELIVERED));
        QueueSummary.DomainCount one = summary.domains().get(1);
        assertEquals(2, one.messages());
        assertEquals(1, one.waiting());
        assertEquals(1, one.recipientsByState().get(DeliveryState.FAILED));
    }

    @Test
    void anEmptyQueueHasEveryStateAtZero() {
        QueueSummary summary = QueueSummary.of(List.of());
        assertEquals(0, summary.messages());
        assertEquals(DeliveryState.values().length, summary.recipientsByState().size());
        assertEquals(0, summary.recipientsByState().get(DeliveryState.PENDING));
        assertEquals(List.of(), summary.domains());
    }
}
