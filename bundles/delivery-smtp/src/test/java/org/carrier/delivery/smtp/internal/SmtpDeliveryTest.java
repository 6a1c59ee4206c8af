package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.NextHop;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.Test;

class SmtpDeliveryTest {
    private static final String MESSAGE = "Subject: t\r\n\r\nline one\r\n.hidden\r\n..two dots\r\n";
    private final SmtpDelivery delivery = new SmtpDelivery(new SmtpDelivery.Settings("carrier.test", 2_000, 2_000, 2_000));

    @Test
    void deliversTwoRecipientsAndDotStuffsOnTheWire() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("250 2.0.0 queued as X1")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED), outcomes(out));
            assertEquals("2.0.0", out.get(0).reply().enhancedStatus());
            assertTrue(out.get(0).remote().endsWith("[127.0.0.1]:" + peer.port()), out.get(0).remote());
            assertEquals("Subject: t\r\n\r\nline one\r\n..hidden\r\n...two dots\r\n.\r\n", peer.data);
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<a@r.test>", "RCPT TO:<b@r.test>", "DATA", "QUIT"),
                    peer.commands);
        }
    }

    @Test
    void aMessageWithoutFinalLineBreakGetsOneBeforeTheDot() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            delivery.deliver(request("Subject: t\r\n\r\nno newline", peer.port(), "a@r.test"));
            assertEquals("Subject: t\r\n\r\nno newline\r\n.\r\n", peer.data);
        }
    }

    @Test
    void sizeIsDeclaredOnlyWhenOffered() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("EHLO") ? "250-p\n250-PIPELINING\n250 SIZE 1000000"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            delivery.deliver(request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals("MAIL FROM:<s@c.test> SIZE=" + MESSAGE.length(), peer.commands.get(1));
        }
    }

    @Test
    void recipientsGetTheirOwnOutcomeInOneTransaction() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.contains("<gone@") ? "550 5.1.1 no such user"
                : cmd.contains("<full@") ? "452 4.2.2 mailbox full" : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "gone@r.test", "ok@r.test", "full@r.test"));
            assertEquals(List.of(Outcome.FAILED, Outcome.DELIVERED, Outcome.DEFERRED), outcomes(out));
            assertEquals("no such user", out.get(0).reply().text());
        }
    }

    @Test
    void theFinalReplyDecidesForEveryAcceptedRecipient() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("554 5.6.0 content rejected")) {
            assertEquals(List.of(Outcome.FAILED, Outcome.FAILED), outcomes(delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"))));
        }
    }

    @Test
    void aHostThatGreetsWith4xxIsSkippedForTheNext() throws Exception {
        try (ScriptedServer busy = new ScriptedServer("421 4.3.2 busy", cmd -> "221 bye", null);
             ScriptedServer good = ScriptedServer.accepting("250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, List.of(hop(busy.port()), hop(good.port())), "a@r.test"));
            assertEquals(Outcome.DELIVERED, out.get(0).outcome());
            assertTrue(out.get(0).remote().endsWith(":" + good.port()));
        }
    }

    @Test
    void noHostReachableDefersEveryone() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, closed, "a@r.test", "b@r.test"));
        assertEquals(List.of(Outcome.DEFERRED, Outcome.DEFERRED), outcomes(out));
        assertEquals("4.4.1", out.get(0).reply().enhancedStatus());
    }

    @Test
    void aConnectionLostDuringDataIsNeverADelivery() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.equals("DATA") ? "354 go" : "250 ok", null)) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals(Outcome.DEFERRED, out.get(0).outcome());
            assertEquals("4.4.2", out.get(0).reply().enhancedStatus());
        }
    }

    @Test
    void ehloRefusedFallsBackToHelo() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("EHLO") ? "502 5.5.1 what?"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            assertEquals(Outcome.DELIVERED, delivery.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals("HELO carrier.test", peer.commands.get(1));
        }
    }

    @Test
    void aPeerThatNeverAnswersIsADeferralAfterTheTimeout() throws Exception {
        try (ScriptedServer silent = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") ? "" : "250 ok", null)) {
            long start = System.nanoTime();
            RecipientOutcome out = delivery.deliver(request(MESSAGE, silent.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertTrue(System.nanoTime() - start < 9_000_000_000L, "gave up after its 2 s timeout, not the server's");
        }
    }

    @Test
    void multiLineRepliesAreReadWhole() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220-p first\n220-p second\n220 p ready",
                cmd -> cmd.equals("DATA") ? "354 go" : cmd.startsWith("RCPT") ? "550-5.7.1 policy\n550 5.7.1 see docs" : "250 ok", "250 ok")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals("5.7.1", out.reply().enhancedStatus());
            assertFalse(peer.commands.contains("DATA"), "no DATA without an accepted recipient");
        }
    }

    private static List<Outcome> outcomes(List<RecipientOutcome> out) {
        return out.stream().map(RecipientOutcome::outcome).toList();
    }

    private static NextHop hop(int port) {
        return new NextHop("127.0.0.1", port);
    }

    private static DeliveryRequest request(String message, int port, String... rcpts) {
        return request(message, List.of(hop(port)), rcpts);
    }

    private static DeliveryRequest request(String message, List<NextHop> hops, String... rcpts) {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        MessageSource source = new MessageSource() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public long size() {
                return bytes.length;
            }
        };
        List<Recipient> recipients = Stream.of(rcpts).map(r -> Recipient.of(MailAddress.parse(r))).toList();
        return new DeliveryRequest("TESTID", new Envelope(MailAddress.parse("s@c.test"), Map.of(), recipients), hops, source);
    }
}
