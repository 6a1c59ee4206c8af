package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.junit.jupiter.api.Test;
import org.carrier.api.text.Json;

/** What the Queue page's script gets: the summary of the whole queue, the filtered list, one message in full. */
class QueuePageTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    private static QueuedMessage message(String id, Duration age, boolean held, String to, DeliveryState state) {
        RecipientStatus r = new RecipientStatus(Recipient.of(MailAddress.parse(to)), state, 2, NOW.plusSeconds(300),
                new SmtpReply(451, "4.4.1", "cannot connect"), "mx.example[192.0.2.1]:25");
        return new QueuedMessage(id, NOW.minus(age), Envelope.from(MailAddress.parse("alice@client.test"), Map.of("SIZE", "300")),
                300, held, List.of(r));
    }

    private static final List<QueuedMessage> QUEUED = List.of(
            message("A", Duration.ofHours(3), false, "bob@example.com", DeliveryState.DEFERRED),
            message("B", Duration.ofMinutes(5), true, "carol@example.org", DeliveryState.PENDING),
            message("C", Duration.ofMinutes(1), false, "dave@example.com", DeliveryState.DEFERRED));

    private static final QueueOperations QUEUE = (QueueOperations) java.lang.reflect.Proxy.newProxyInstance(
            QueuePageTest.class.getClassLoader(), new Class<?>[] {QueueOperations.class}, (self, method, args) -> switch (method.getName()) {
                case "list" -> QUEUED;
                case "show" -> QUEUED.stream().filter(m -> m.queueId().equals(args[0])).findFirst();
                default -> throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void theListIsFilteredAndLimitedButTheSummaryCountsTheWholeQueue() {
        Map<String, Object> answer = QueuePage.messages(QUEUE, QueueFilter.any().withDomain("example.com").withLimit(1), NOW);
        assertEquals("{\"messages\":3,\"held\":1,"
                + "\"messagesByState\":{\"pending\":1,\"deferred\":2,\"delivered\":0,\"failed\":0},"
                + "\"recipientsByState\":{\"pending\":1,\"deferred\":2,\"delivered\":0,\"failed\":0},"
                + "\"domains\":[{\"domain\":\"example.com\",\"messages\":2,\"waiting\":2,"
                + "\"recipients\":{\"pending\":0,\"deferred\":2,\"delivered\":0,\"failed\":0}},"
                + "{\"domain\":\"example.org\",\"messages\":1,\"waiting\":1,"
                + "\"recipients\":{\"pending\":1,\"deferred\":0,\"delivered\":0,\"failed\":0}}]}", Json.write(answer.get("summary")));
        assertEquals("[{\"id\":\"A\",\"arrival\":\"2026-11-24T09:00:00Z\",\"age\":\"3h 0m\",\"from\":\"alice@client.test\","
                + "\"size\":300,\"held\":false,\"recipients\":[{\"address\":\"bob@example.com\",\"state\":\"deferred\"}]}]",
                Json.write(answer.get("messages")));
        assertEquals(2L, answer.get("matching"), "two match; the limit shows one");
    }

    @Test
    void oneMessageInFullWithItsRecipientsLastRepliesAndHeader() {
        QueuedMessage b = QUEUE.show("B").orElseThrow();
        Map<String, Object> detail = QueuePage.detail(b, "Subject: hi\r\n", NOW);
        assertEquals(Map.of("SIZE", "300"), detail.get("parameters"));
        assertEquals(true, detail.get("held"));
        assertEquals("[{\"address\":\"carol@example.org\",\"state\":\"pending\",\"attempts\":2,\"nextAttempt\":\"2026-11-24T12:05:00Z\","
                + "\"lastReply\":\"451 4.4.1 cannot connect\",\"lastRemote\":\"mx.example[192.0.2.1]:25\"}]", Json.write(detail.get("recipients")));
        assertEquals("Subject: hi\r\n", detail.get("header"));
        assertEquals(Optional.empty(), QUEUE.show("GONE"));
    }
}
