package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

class QueueListingTest {
    private final QueueListing listing = new QueueListing(ZoneOffset.UTC, Clock.fixed(QueueCommandsTest.NOW, ZoneOffset.UTC));

    @Test
    void oneBlockPerMessageWithRecipientStateAndLastReply() {
        String text = listing.list(List.of(QueueCommandsTest.deferred("38GCDCJQV001", "alice@example.org", "bob@example.com",
                QueueCommandsTest.NOW.minusSeconds(90))));
        assertEquals("""
                -Queue ID-     --Size--  ---Arrival Time----  -Sender/Recipient-------
                38GCDCJQV001       2048  2026-11-24 09:58:30  alice@example.org
                                                              deferred  bob@example.com
                                                                        (451 4.4.1 cannot connect: Connection refused, from mx.example.com[192.0.2.1]:25)

                -- 2 Kbytes in 1 Request.""", text);
    }

    @Test
    void anEmptyQueue() {
        assertEquals("Mail queue is empty", listing.list(List.of()));
    }
}
