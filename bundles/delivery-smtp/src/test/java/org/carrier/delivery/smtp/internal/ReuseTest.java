package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.hop;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection reuse, concurrency limits and back-off of failing destinations. */
class ReuseTest {
    private final Watchdog watchdog = new Watchdog();
    private ClientDelivery delivery;

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        watchdog.close();
    }

    @Test
    void twoMessagesGoOverOneConnectionWithoutAnRsetBetween() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "a@r.test").outcome());
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "b@r.test").outcome());
            assertEquals(1, peer.connections.get());
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<a@r.test>", "DATA",
                    "MAIL FROM:<s@c.test>", "RCPT TO:<b@r.test>", "DATA"), peer.commands);
            delivery.close();
            awaitCommand(peer, "QUIT");
        }
    }

    @Test
    void aConnectionIsClosedAfterItsMessageLimit() throws Exception {
        client(new Settings.Reuse(2, 10_000, 20, 100, 1_000, 5, 60_000));
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(Outcome.DELIVERED, deliver(peer.port(), "a@r.test").outcome());
            }
            assertEquals(2, peer.connections.get());
            assertEquals(1, peer.count("QUIT"), "the first connection ended after two messages");
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        client(new Settings.Reuse(100, 300, 20, 100, 1_000, 5, 60_000));
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            deliver(peer.port(), "a@r.test");
            awaitCommand(peer, "QUIT");
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "b@r.test").outcome());
            assertEquals(2, peer.connections.get());
        }
    }

    @Test
    void aReusedConnectionThePeerDroppedIsReplacedByANewOne() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        AtomicInteger mails = new AtomicInteger();
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") && mails.incrementAndGet() == 2 ? null
                : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            deliver(peer.port(), "a@r.test");
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "b@r.test").outcome(), "tried again on a new connection");
            assertEquals(2, peer.connections.get());
            assertEquals(3, mails.get());
        }
    }

    @Test
    void aReusedConnectionWhosePeerSays421AtOnceIsReplacedByANewOne() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        AtomicInteger mails = new AtomicInteger();
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") && mails.incrementAndGet() == 2
                ? "421 4.4.2 idle too long" : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            deliver(peer.port(), "a@r.test");
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "b@r.test").outcome());
            assertEquals(2, peer.connections.get());
        }
    }

    @Test
    void aFreshConnectionThatDropsIsDeferredNotTriedAgain() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") ? null : "250 ok", "250 ok")) {
            RecipientOutcome outcome = deliver(peer.port(), "a@r.test");
            assertEquals(Outcome.DEFERRED, outcome.outcome());
            assertEquals("4.4.2", outcome.reply().enhancedStatus());
            assertEquals(1, peer.connections.get());
        }
    }

    @Test
    void aPeerThatSays421IsNotReused() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.contains("<busy@") ? "421 4.3.2 closing"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            assertEquals(Outcome.DEFERRED, deliver(peer.port(), "busy@r.test").outcome());
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "a@r.test").outcome());
            assertEquals(2, peer.connections.get());
        }
    }

    @Test
    void aDestinationAtItsConcurrencyLimitDefersTheNextDeliveryAfterTheWait() throws Exception {
        client(new Settings.Reuse(100, 10_000, 1, 100, 300, 5, 60_000));
        try (ScriptedServer slow = ScriptedServer.offering("PIPELINING").afterData(accepted -> Fixtures.sleepThen(1_500, "250 ok"))) {
            CompletableFuture<RecipientOutcome> first = CompletableFuture.supplyAsync(() -> deliver(slow.port(), "a@r.test"));
            awaitCommand(slow, "DATA");
            RecipientOutcome second = deliver(slow.port(), "b@r.test");
            assertEquals(Outcome.DEFERRED, second.outcome());
            assertEquals("4.4.5", second.reply().enhancedStatus());
            assertEquals(Outcome.DELIVERED, first.get(10, TimeUnit.SECONDS).outcome());
            assertEquals(1, slow.connections.get());
        }
    }

    @Test
    void theTotalLimitHoldsAcrossDestinations() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 1, 300, 5, 60_000));
        try (ScriptedServer slow = ScriptedServer.offering("PIPELINING").afterData(accepted -> Fixtures.sleepThen(1_500, "250 ok"));
             ScriptedServer other = ScriptedServer.offering("PIPELINING")) {
            CompletableFuture<RecipientOutcome> first = CompletableFuture.supplyAsync(() -> deliver(slow.port(), "a@r.test"));
            awaitCommand(slow, "DATA");
            assertEquals("4.4.5", deliver(other.port(), "b@r.test").reply().enhancedStatus());
            assertEquals(0, other.connections.get());
            assertEquals(Outcome.DELIVERED, first.get(10, TimeUnit.SECONDS).outcome());
            assertEquals(Outcome.DELIVERED, deliver(other.port(), "b@r.test").outcome(), "the slot is free again");
        }
    }

    @Test
    void aDestinationThatKeepsFailingIsBackedOffAsAWhole() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 2, 2_000));
        try (ScriptedServer busy = new ScriptedServer("421 4.3.2 busy", cmd -> "221 bye", null);
             ScriptedServer healthy = ScriptedServer.offering("PIPELINING")) {
            deliver(busy.port(), "a@r.test");
            deliver(busy.port(), "b@r.test");
            RecipientOutcome third = deliver(busy.port(), "c@r.test");
            assertEquals(Outcome.DEFERRED, third.outcome());
            assertTrue(third.reply().text().contains("backed off"), third.reply().text());
            assertEquals(2, busy.connections.get(), "the third delivery did not try the dead host");
            assertEquals(Outcome.DELIVERED, deliver(healthy.port(), "d@r.test").outcome(), "other destinations go on");

            Thread.sleep(2_300);
            deliver(busy.port(), "e@r.test");
            assertEquals(3, busy.connections.get(), "after the back-off, one attempt probes again");
            deliver(busy.port(), "f@r.test");
            assertEquals(3, busy.connections.get(), "and a failed probe backs off again at once");
        }
    }

    @Test
    void aTransactionWhoseRecipientsWereAllRefusedIsResetBeforeTheNextMessage() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        StrictPeer strict = new StrictPeer(false);
        try (ScriptedServer peer = strict.server()) {
            assertEquals(Outcome.FAILED, deliver(peer.port(), "refused@r.test").outcome());
            RecipientOutcome next = deliver(peer.port(), "good@r.test");
            assertEquals(Outcome.DELIVERED, next.outcome(), next.reply().toString());
            assertEquals(1, peer.connections.get(), "the connection was reused after the RSET");
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<refused@r.test>", "RSET",
                    "MAIL FROM:<s@c.test>", "RCPT TO:<good@r.test>", "DATA"), peer.commands);
        }
    }

    @Test
    void aPipelinedTransactionWithoutRecipientsIsResetAndTheNextMessageGoesThrough() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        StrictPeer strict = new StrictPeer(false);
        try (ScriptedServer peer = strict.server("PIPELINING")) {
            assertEquals(Outcome.FAILED, deliver(peer.port(), "refused@r.test").outcome());
            RecipientOutcome next = deliver(peer.port(), "good@r.test");
            assertEquals(Outcome.DELIVERED, next.outcome(), next.reply().toString());
            assertEquals(List.of("good"), strict.delivered, "one message, to the good recipient");
            assertTrue(peer.data.contains("line one"), "not an empty message: " + peer.data);
            assertEquals(1, peer.count("RSET"));
        }
    }

    @Test
    void aPeerThatStartsDataForNobodyGetsALoneDotAndNoEmptyMessage() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        StrictPeer strict = new StrictPeer(true);
        try (ScriptedServer peer = strict.server("PIPELINING")) {
            assertEquals(Outcome.FAILED, deliver(peer.port(), "refused@r.test").outcome());
            assertEquals(Outcome.DELIVERED, deliver(peer.port(), "good@r.test").outcome());
            assertEquals(List.of("good"), strict.delivered);
            assertTrue(peer.data.contains("line one"), "not an empty message: " + peer.data);
            assertEquals(1, peer.connections.get());
            assertEquals(0, peer.count("RSET"), "RFC 2920 §3.1: the lone dot ended the transaction");
        }
    }

    @Test
    void anUnexpected503ToMailOnAReusedConnectionIsTriedOnANewOneNeverBounced() throws Exception {
        client(new Settings.Reuse(100, 10_000, 20, 100, 1_000, 5, 60_000));
        AtomicInteger mails = new AtomicInteger();
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("MAIL")
                && mails.incrementAndGet() == 2 ? "503 5.5.1 Error: nested MAIL command" : cmd.equals("DATA") ? "354 go" : "250 ok",
                "PIPELINING"), "250 ok")) {
            deliver(peer.port(), "a@r.test");
            RecipientOutcome second = deliver(peer.port(), "b@r.test");
            assertEquals(Outcome.DELIVERED, second.outcome(), second.reply().toString());
            assertEquals(2, peer.connections.get());
            assertTrue(peer.data.contains("line one"), "not an empty message: " + peer.data);
        }
    }

    /**
     * A peer as strict as Postfix's smtpd: one transaction at a time (a second MAIL is "503 5.5.1 nested MAIL
     * command" until the data or RSET ends it), "550" to RCPT TO:&lt;refused@...&gt;, and DATA without an accepted
     * recipient refused with 554 (or, {@code dataForNobody}, answered 354 like some servers). It records the local
     * part of every recipient of a message it delivered.
     */
    private static final class StrictPeer {
        final List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final boolean dataForNobody;
        private boolean mail;
        private final List<String> rcpts = new java.util.ArrayList<>();

        StrictPeer(boolean dataForNobody) {
            this.dataForNobody = dataForNobody;
        }

        ScriptedServer server(String... extensions) throws Exception {
            return new ScriptedServer("220 strict.test ESMTP", ScriptedServer.ehloThen(this::answer, extensions), null)
                    .afterData(accepted -> end());
        }

        private synchronized String answer(String command) {
            if (command.startsWith("MAIL")) {
                if (mail) {
                    return "503 5.5.1 Error: nested MAIL command";
                }
                mail = true;
                return "250 2.1.0 ok";
            }
            if (command.startsWith("RCPT")) {
                if (!mail) {
                    return "503 5.5.1 Error: need MAIL command";
                }
                if (command.contains("<refused@")) {
                    return "550 5.1.1 no such user";
                }
                rcpts.add(command.substring(command.indexOf('<') + 1, command.indexOf('@')));
                return "250 2.1.5 ok";
            }
            if (command.equals("DATA")) {
                return !mail ? "503 5.5.1 Error: need RCPT command"
                        : rcpts.isEmpty() && !dataForNobody ? "554 5.5.1 Error: no valid recipients" : "354 go";
            }
            if (command.equals("RSET")) {
                mail = false;
                rcpts.clear();
            }
            return "250 ok";
        }

        private synchronized String end() {
            String reply = rcpts.isEmpty() ? "554 5.5.1 Error: no valid recipients" : "250 2.0.0 queued";
            delivered.addAll(rcpts);
            mail = false;
            rcpts.clear();
            return reply;
        }
    }

    private void client(Settings.Reuse reuse) {
        delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(reuse), null, watchdog);
    }

    private RecipientOutcome deliver(int port, String recipient) {
        return delivery.deliver(request(MESSAGE, List.of(hop(port)), recipient)).get(0);
    }

    private static void awaitCommand(ScriptedServer peer, String command) throws InterruptedException {
        for (int i = 0; i < 100 && peer.count(command) == 0; i++) {
            Thread.sleep(50);
        }
        assertTrue(peer.count(command) > 0, "the peer saw " + command + ": " + peer.commands);
    }
}
