package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.hop;
import static org.carrier.delivery.smtp.internal.Fixtures.outcomes;
import static org.carrier.delivery.smtp.internal.Fixtures.rcpt;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import org.carrier.api.route.NextHop;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SMTP conversation against scripted peers: one transaction per test, reuse off unless said. */
class SmtpDeliveryTest {
    private final Watchdog watchdog = new Watchdog();
    private final ClientDelivery delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog);

    @AfterEach
    void stop() {
        delivery.close();
        watchdog.close();
    }

    @Test
    void deliversTwoRecipientsAndDotStuffsOnTheWire() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("250 2.0.0 queued as X1")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED), outcomes(out));
            assertEquals("2.0.0", out.get(0).reply().enhancedStatus());
            assertEquals("127.0.0.1[127.0.0.1]:" + peer.port(), out.get(0).remote());
            assertEquals("Subject: t\r\n\r\nline one\r\n..hidden\r\n...two dots\r\n.\r\n", peer.data);
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<a@r.test>", "RCPT TO:<b@r.test>", "DATA", "QUIT"),
                    peer.commands);
        }
    }

    /** The message is sent in blocks of 64 KB: a line that starts a block is stuffed like any other. */
    @Test
    void aDotAtTheStartOfASendBlockIsStuffedToo() throws Exception {
        StringBuilder before = new StringBuilder("Subject: t\r\n\r\n");
        while (before.length() + 80 < 65_536) {
            before.append("y".repeat(78)).append("\r\n");
        }
        before.append("z".repeat(65_536 - before.length() - 2)).append("\r\n"); // ends exactly at the block boundary
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            delivery.deliver(request(before + ".first\r\n.\r\n", peer.port(), "a@r.test"));
            assertEquals(before + "..first\r\n..\r\n.\r\n", peer.data);
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
        try (ScriptedServer peer = ScriptedServer.offering("SIZE 1000000")) {
            delivery.deliver(request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals("MAIL FROM:<s@c.test> SIZE=" + MESSAGE.length(), peer.commands.get(1));
        }
    }

    @Test
    void aMessageOverThePeersSizeLimitFailsWithoutBeingSent() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("SIZE 10")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals("5.3.4", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    @Test
    void recipientsGetTheirOwnOutcomeInOneTransaction() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.contains("<gone@") ? "550 5.1.1 no such user"
                : cmd.contains("<full@") ? "452 4.2.2 mailbox full" : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "gone@r.test", "ok@r.test", "full@r.test"));
            assertEquals(List.of(Outcome.FAILED, Outcome.DELIVERED, Outcome.DEFERRED), outcomes(out));
            assertEquals("no such user", out.get(0).reply().text());
            assertEquals("4.2.2", out.get(2).reply().enhancedStatus());
        }
    }

    @Test
    void theFinalReplyDecidesForEveryAcceptedRecipient() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("554 5.6.0 content rejected")) {
            assertEquals(List.of(Outcome.FAILED, Outcome.FAILED), outcomes(delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"))));
        }
    }

    @Test
    void aRefusedSenderDecidesForEveryone() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") ? "451 4.7.1 try later" : "250 ok", "250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DEFERRED, Outcome.DEFERRED), outcomes(out));
            assertEquals(0, peer.count("RCPT"));
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
    void aHostAddressThatGreetsWith4xxIsSkippedForTheHostsNextAddress() throws Exception {
        try (ScriptedServer good = ScriptedServer.accepting("250 ok");
             ScriptedServer busy = new ScriptedServer(InetAddress.getByName("127.0.0.2"), good.port(), "421 4.3.2 busy",
                     cmd -> "221 bye", null)) {
            NextHop mx = new NextHop("mx.r.test", good.port(),
                    List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.1")));
            RecipientOutcome out = delivery.deliver(request(MESSAGE, List.of(mx), "a@r.test")).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
            assertEquals("mx.r.test[127.0.0.1]:" + good.port(), out.remote());
            assertEquals(1, busy.connections.get());
        }
    }

    @Test
    void everyHostGreetingWith4xxDefersWithTheLastReply() throws Exception {
        try (ScriptedServer busy = new ScriptedServer("421 4.3.2 busy", cmd -> "221 bye", null)) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, busy.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.3.2", out.reply().enhancedStatus());
        }
    }

    @Test
    void noHostReachableDefersEveryone() throws Exception {
        List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, closedPort(), "a@r.test", "b@r.test"));
        assertEquals(List.of(Outcome.DEFERRED, Outcome.DEFERRED), outcomes(out));
        assertEquals("4.4.1", out.get(0).reply().enhancedStatus());
    }

    @Test
    void aConnectionLostAfterTheDataIsNeverADelivery() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.equals("DATA") ? "354 go" : "250 ok", null)) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals(Outcome.DEFERRED, out.get(0).outcome());
            assertEquals("4.4.2", out.get(0).reply().enhancedStatus());
        }
    }

    @Test
    void aConnectionDroppedInTheMiddleOfTheDataDefersOnlyTheAccepted() throws Exception {
        String big = "Subject: big\r\n\r\n" + "x".repeat(998).concat("\r\n").repeat(2_000);
        try (ScriptedServer peer = new ScriptedServer("220 p", cmd -> cmd.contains("<gone@") ? "550 5.1.1 no"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "250 ok").dropDuringData()) {
            List<RecipientOutcome> out = delivery.deliver(request(big, peer.port(), "a@r.test", "gone@r.test"));
            assertEquals(List.of(Outcome.DEFERRED, Outcome.FAILED), outcomes(out));
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
        try (ScriptedServer silent = new ScriptedServer("220 p", cmd -> cmd.startsWith("MAIL") ? "" : "250 ok", null);
             ClientDelivery impatient = impatient()) {
            long start = System.nanoTime();
            RecipientOutcome out = impatient.deliver(request(MESSAGE, silent.port(), "a@r.test")).get(0);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertTrue(out.reply().text().contains("timeout after 1.0 s"), out.reply().text());
            assertTrue(millis >= 950 && millis < 9_000, "gave up after its 1 s timeout, not the server's: " + millis);
        }
    }

    @Test
    void aPeerSlowerThanTheFinalReplyTimeoutIsADeferral() throws Exception {
        try (ScriptedServer slow = ScriptedServer.accepting(null).afterData(accepted -> Fixtures.sleepThen(3_000, "250 late"));
             ClientDelivery impatient = impatient()) {
            RecipientOutcome out = impatient.deliver(request(MESSAGE, slow.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.4.2", out.reply().enhancedStatus());
            assertTrue(out.reply().text().contains("timeout after 1.0 s waiting for a reply"), out.reply().text());
        }
    }

    @Test
    void aPeerThatNeverGreetsIsSkippedAfterTheTimeout() throws Exception {
        try (ScriptedServer mute = new ScriptedServer("", cmd -> "250 ok", null);
             ScriptedServer good = ScriptedServer.accepting("250 ok");
             ClientDelivery impatient = impatient()) {
            RecipientOutcome out = impatient.deliver(request(MESSAGE, List.of(hop(mute.port()), hop(good.port())), "a@r.test")).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
        }
    }

    private ClientDelivery impatient() {
        return Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000), true, 1_000), null, watchdog);
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

    @Test
    void pipeliningSendsMailRcptsAndDataAsOneGroup() throws Exception {
        // The peer holds its MAIL and RCPT replies until DATA arrives: a client waiting for each reply would time out.
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING").holdRepliesUntilData()) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED), outcomes(out));
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<a@r.test>", "RCPT TO:<b@r.test>", "DATA", "QUIT"),
                    peer.commands);
        }
    }

    @Test
    void pipelinedPartialFailuresKeepTheirOwnReplies() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.contains("<gone@") ? "550 5.1.1 no"
                : cmd.contains("<later@") ? "450 4.2.1 later" : cmd.equals("DATA") ? "354 go" : "250 ok", "PIPELINING"),
                "250 2.0.0 ok").holdRepliesUntilData()) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "gone@r.test", "a@r.test", "later@r.test"));
            assertEquals(List.of(Outcome.FAILED, Outcome.DELIVERED, Outcome.DEFERRED), outcomes(out));
        }
    }

    @Test
    void pipelinedWithNobodyAcceptedEndsAnAcceptedDataEmpty() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("RCPT") ? "550 5.1.1 no"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "PIPELINING"), "250 ok")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, peer.port(), "gone@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals(".\r\n", peer.data, "the data was ended at once, without the message");
        }
    }

    @Test
    void withChunkingTheMessageGoesAsOneBdatChunkWithoutDotStuffing() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING", "CHUNKING")) {
            List<RecipientOutcome> out = delivery.deliver(request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED), outcomes(out));
            assertEquals(List.of("EHLO carrier.test", "MAIL FROM:<s@c.test>", "RCPT TO:<a@r.test>", "RCPT TO:<b@r.test>",
                    "BDAT " + MESSAGE.length() + " LAST", "QUIT"), peer.commands.stream().filter(c -> !c.isEmpty()
                    && !MESSAGE.contains(c)).toList());
            assertEquals(MESSAGE, peer.data, "the bytes as queued");
        }
    }

    @Test
    void withChunkingNoChunkIsSentWhenNobodyWasAccepted() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("RCPT") ? "550 5.1.1 no"
                : "250 ok", "CHUNKING"), "250 ok")) {
            assertEquals(Outcome.FAILED, delivery.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals(0, peer.count("BDAT"));
        }
    }

    @Test
    void dsnParametersArePassedOnWhenThePeerOffersDsn() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("DSN")) {
            delivery.deliver(dsnRequest(peer.port()));
            assertEquals("MAIL FROM:<s@c.test> RET=HDRS ENVID=QQ314159", peer.commands.get(1));
            assertEquals("RCPT TO:<a@r.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@r.test", peer.commands.get(2));
        }
    }

    @Test
    void dsnParametersAreLeftOutWhenThePeerDoesNotOfferDsn() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("8BITMIME")) {
            RecipientOutcome out = delivery.deliver(dsnRequest(peer.port())).get(0);
            assertEquals("MAIL FROM:<s@c.test>", peer.commands.get(1));
            assertEquals("RCPT TO:<a@r.test>", peer.commands.get(2));
            assertTrue(out.relayed(), "NOTIFY=SUCCESS to a peer without DSN: the queue owes a 'relayed' DSN");
        }
    }

    @Test
    void aDeliveryIsRelayedOnlyWhenSuccessWasAskedForAndThePeerCannotReportIt() throws Exception {
        try (ScriptedServer dsn = ScriptedServer.offering("DSN");
             ScriptedServer plain = ScriptedServer.offering("PIPELINING")) {
            assertFalse(delivery.deliver(dsnRequest(dsn.port())).get(0).relayed(), "the peer reports success itself");
            RecipientOutcome failureOnly = delivery.deliver(request(MESSAGE, List.of(hop(plain.port())), TransportOptions.DEFAULT, Map.of(),
                    List.of(new org.carrier.api.message.Recipient(org.carrier.api.message.MailAddress.parse("a@r.test"),
                            Map.of("NOTIFY", "FAILURE"))))).get(0);
            assertFalse(failureOnly.relayed());
        }
    }

    @Test
    void anEightBitMessageIsDeclaredToAPeerWithEightBitMime() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("8BITMIME")) {
            RecipientOutcome out = delivery.deliver(request("Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n", peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
            assertEquals("MAIL FROM:<s@c.test> BODY=8BITMIME", peer.commands.get(1));
        }
    }

    @Test
    void anEightBitMessageToAPeerWithoutEightBitMimeIsConvertedToQuotedPrintable() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            RecipientOutcome out = delivery.deliver(request("Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n", peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
            assertEquals("MAIL FROM:<s@c.test>", peer.commands.get(1), "no BODY=8BITMIME to a peer without it");
            assertEquals("Subject: x\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nd=C3=A9j=C3=A0 vu\r\n.\r\n",
                    peer.data);
        }
    }

    @Test
    void anEightBitHeaderCannotBeConvertedAndFailsWithConversionStatus() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            RecipientOutcome out = delivery.deliver(request("Subject: d\u00e9j\u00e0 vu\r\n\r\nbody\r\n", peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals("5.6.3", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"), "nothing was sent");
        }
    }

    @Test
    void withConversionTurnedOffAnEightBitMessageFailsWithConversionStatus() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING");
             ClientDelivery strict = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000), false), null, watchdog)) {
            RecipientOutcome out = strict.deliver(request("Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n", peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals("5.6.3", out.reply().enhancedStatus());
            assertTrue(out.reply().text().contains("turned off"), out.reply().text());
        }
    }

    @Test
    void smtpUtf8MailNeedsAPeerWithSmtpUtf8() throws Exception {
        try (ScriptedServer without = ScriptedServer.offering("8BITMIME");
             ScriptedServer with = ScriptedServer.offering("8BITMIME", "SMTPUTF8")) {
            RecipientOutcome refused = delivery.deliver(utf8Request(without.port())).get(0);
            assertEquals(Outcome.FAILED, refused.outcome());
            assertEquals("5.6.7", refused.reply().enhancedStatus());
            assertEquals(0, without.count("MAIL"));

            assertEquals(Outcome.DELIVERED, delivery.deliver(utf8Request(with.port())).get(0).outcome());
            assertEquals("MAIL FROM:<s@c.test> SMTPUTF8", with.commands.get(1));
            assertEquals("RCPT TO:<j\u00f6rg@r.test>", new String(with.commands.get(2).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void authPlainToALoopbackSmarthost() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("AUTH") ? "235 2.7.0 ok"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "AUTH PLAIN LOGIN"), "250 ok")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, List.of(hop(peer.port())),
                    new TransportOptions(org.carrier.api.route.TlsPolicy.NONE, "relay", "s3cret"), Map.of(), List.of(rcpt("a@r.test")))).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
            // RFC 4616: "\0relay\0s3cret"
            assertEquals("AUTH PLAIN AHJlbGF5AHMzY3JldA==", peer.commands.get(1));
        }
    }

    @Test
    void authLoginAnswersTheChallenges() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.equals("AUTH LOGIN") ? "334 VXNlcm5hbWU6"
                : cmd.equals("cmVsYXk=") ? "334 UGFzc3dvcmQ6" : cmd.equals("czNjcmV0") ? "235 2.7.0 ok"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "AUTH LOGIN"), "250 ok")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, List.of(hop(peer.port())),
                    new TransportOptions(org.carrier.api.route.TlsPolicy.MAY, "relay", "s3cret"), Map.of(), List.of(rcpt("a@r.test")))).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
        }
    }

    @Test
    void refusedCredentialsDeferInsteadOfBouncing() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("AUTH") ? "535 5.7.8 bad credentials"
                : "250 ok", "AUTH PLAIN"), "250 ok")) {
            RecipientOutcome out = delivery.deliver(request(MESSAGE, List.of(hop(peer.port())),
                    new TransportOptions(org.carrier.api.route.TlsPolicy.MAY, "relay", "wrong"), Map.of(), List.of(rcpt("a@r.test")))).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertTrue(out.reply().text().contains("535 5.7.8"), out.reply().text());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    private static org.carrier.api.transport.DeliveryRequest dsnRequest(int port) {
        return request(MESSAGE, List.of(hop(port)), TransportOptions.DEFAULT, Map.of("RET", "HDRS", "ENVID", "QQ314159"),
                List.of(new org.carrier.api.message.Recipient(org.carrier.api.message.MailAddress.parse("a@r.test"),
                        Map.of("NOTIFY", "SUCCESS,FAILURE", "ORCPT", "rfc822;a+2Bb@r.test"))));
    }

    private static org.carrier.api.transport.DeliveryRequest utf8Request(int port) {
        return request(MESSAGE, List.of(hop(port)), TransportOptions.DEFAULT, Map.of("SMTPUTF8", ""), List.of(rcpt("j\u00f6rg@r.test")));
    }

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
