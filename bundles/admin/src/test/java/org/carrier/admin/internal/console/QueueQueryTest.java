package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.carrier.admin.internal.overview.Ages;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;
import org.junit.jupiter.api.Test;

class QueueQueryTest {

    @Test
    void everyCriterionIsRead() {
        Map<String, String> p = Map.of("state", "Deferred", "held", "yes", "sender", "alice", "recipient", "bob",
                "domain", "Example.COM", "minAge", "10m", "maxAge", "2d", "limit", "50");
        QueueFilter f = QueueQuery.filter(p::get);
        assertEquals(new QueueFilter(DeliveryState.DEFERRED, true, "alice", "bob", "example.com",
                Duration.ofMinutes(10), Duration.ofDays(2), 50), f);
    }

    @Test
    void nothingGivenMatchesEverythingUpToTheDefaultLimit() {
        assertEquals(QueueFilter.any().withLimit(QueueQuery.DEFAULT_LIMIT), QueueQuery.filter(Map.<String, String>of()::get));
        assertEquals("", QueueQuery.filter(Map.of("sender", "<>")::get).sender(), "<> is the null sender");
    }

    @Test
    void agesInSecondsMinutesHoursDays() {
        assertEquals(Duration.ofSeconds(90), QueueQuery.age("90s", "minAge"));
        assertEquals(Duration.ofMinutes(5), QueueQuery.age("5", "minAge"));
        assertEquals(Duration.ofHours(2), QueueQuery.age("2 h", "minAge"));
        assertNull(QueueQuery.age("", "minAge"));
        assertEquals("3h 20m", Ages.describe(Duration.ofMinutes(200)));
        assertEquals("2d 4h", Ages.describe(Duration.ofHours(52)));
    }

    @Test
    void badValuesNameTheirParameter() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QueueQuery.filter(Map.of("state", "lost")::get))
                .getMessage().startsWith("state:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QueueQuery.filter(Map.of("maxAge", "soon")::get))
                .getMessage().startsWith("maxAge:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QueueQuery.filter(Map.of("held", "maybe")::get))
                .getMessage().startsWith("held:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QueueQuery.filter(Map.of("limit", "0")::get))
                .getMessage().startsWith("limit:"));
    }
}
