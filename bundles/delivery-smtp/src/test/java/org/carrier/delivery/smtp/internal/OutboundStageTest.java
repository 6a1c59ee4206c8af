package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.hop;
import static org.carrier.delivery.smtp.internal.Fixtures.outcomes;
import static org.carrier.delivery.smtp.internal.Fixtures.rcpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.api.outbound.Submission;
import org.carrier.api.route.Router;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

/** The outbound stage in a real SMTP transaction against a scripted peer on loopback: what goes on the wire. */
class OutboundStageTest {
    private final Watchdog watchdog = new Watchdog();
    private final OutboundFilters filters = new OutboundFilters();
    private final ClientDelivery delivery = Fixtures.client(Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog,
            new ClientDelivery.Policies(() -> null, () -> null, () -> null, TlsResults.sessionCounter(), filters::stage));
    private long serviceIds;

    @AfterEach
    void stop() {
        delivery.close();
        watchdog.close();
    }

    private void register(int ranking, OutboundFilter filter) {
        filters.add(filter, Map.of(Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, ++serviceIds,
                OutboundFilter.NAME, "f" + ranking));
    }

    private static OutboundFilter prepending(String name, String value, List<String> seen) {
        return message -> {
            seen.add(name + " saw " + message.header().stream().map(HeaderField::name).toList() + " / "
                    + firstLine(message.content()));
            return OutboundResult.prepend(List.of(new HeaderField(name, value)));
        };
    }

    @Test
    void filtersRunByRankingHighestFirstAndEachSeesWhatTheOnesBeforePrepended() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        register(100, prepending("ARC-Seal", "i=1", seen));
        register(500, prepending("DKIM-Signature", "v=1", seen));
        register(300, message -> {
            seen.add("middle saw " + message.header().stream().map(HeaderField::name).toList());
            return OutboundResult.prepend(List.of(new HeaderField("X-One", "1"), new HeaderField("X-Two", "2\r\n\tfolded")));
        });
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals(List.of(Outcome.DELIVERED), outcomes(out));
            assertEquals(List.of("DKIM-Signature saw [Subject] / Subject: t",
                    "middle saw [DKIM-Signature, Subject]",
                    "ARC-Seal saw [X-One, X-Two, DKIM-Signature, Subject] / X-One: 1"), seen);
            assertEquals("ARC-Seal: i=1\r\nX-One: 1\r\nX-Two: 2\r\n\tfolded\r\nDKIM-Signature: v=1\r\n"
                    + "Subject: t\r\n\r\nline one\r\n..hidden\r\n...two dots\r\n.\r\n", peer.data);
        }
    }

    @Test
    void aReversePathFromAFilterIsSentInMailFromAndSeenByTheFiltersAfterIt() throws Exception {
        List<String> senders = new CopyOnWriteArrayList<>();
        register(200, message -> OutboundResult.reversePath(MailAddress.parse("SRS0=abcd=TT=c.test=s@fwd.test")));
        register(100, message -> {
            senders.add(message.envelope().reversePath().toString());
            return OutboundResult.unchanged();
        });
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            assertEquals(Outcome.DELIVERED, delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals("MAIL FROM:<SRS0=abcd=TT=c.test=s@fwd.test>", peer.commands.get(1));
            assertEquals(List.of("SRS0=abcd=TT=c.test=s@fwd.test"), senders);
            assertEquals(MESSAGE.replace("\n.", "\n..") + ".\r\n", peer.data, "the content is unchanged");
        }
    }

    @Test
    void aDeferralDefersEveryRecipientAndStopsTheFiltersAfterIt() throws Exception {
        AtomicInteger later = new AtomicInteger();
        register(200, message -> OutboundResult.defer(new SmtpReply(451, "4.7.0", "key not ready")));
        register(100, message -> {
            later.incrementAndGet();
            return OutboundResult.unchanged();
        });
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            List<RecipientOutcome> out = delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test", "b@r.test"));
            assertEquals(List.of(Outcome.DEFERRED, Outcome.DEFERRED), outcomes(out));
            assertEquals("4.7.0", out.get(0).reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"), "nothing of the transaction is sent");
            assertEquals(0, later.get());
        }
    }

    @Test
    void aFilterThatThrowsDefersWith451AndNothingIsSent() throws Exception {
        register(100, message -> {
            throw new IOException("cannot read the key");
        });
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            RecipientOutcome out = delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals(451, out.reply().code());
            assertEquals("4.3.0", out.reply().enhancedStatus());
            assertEquals("outbound filter f100 failed", out.reply().text());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    @Test
    void aPrependedFieldWithALineBreakThatIsNotAFoldDefersInsteadOfCorruptingTheHeader() throws Exception {
        register(100, message -> OutboundResult.prepend(List.of(new HeaderField("X-Bad", "a\r\nBcc: someone@else.test"))));
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            RecipientOutcome out = delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.3.0", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    /** RFC 6152 §3: what the filters see (and sign) is the 7-bit form the peer without 8BITMIME gets. */
    @Test
    void filtersSeeTheContentAfterTheEightBitConversion() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        register(100, message -> {
            seen.add(message.eightBit() + " " + new String(readAll(message.content()), StandardCharsets.ISO_8859_1));
            return OutboundResult.unchanged();
        });
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            delivery.deliver(Fixtures.request("Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n", peer.port(), "a@r.test"));
            assertEquals(1, seen.size());
            assertTrue(seen.get(0).startsWith("false "), seen.get(0));
            assertTrue(seen.get(0).chars().allMatch(c -> c < 128), "7-bit: " + seen.get(0));
            assertEquals(seen.get(0).substring("false ".length()) + ".\r\n", peer.data, "the filters saw what was sent");
        }
    }

    /** RFC 1870 §6.1: the peer's limit is checked against the message with the filters' fields. */
    @Test
    void theSizeCheckCountsThePrependedFields() throws Exception {
        OutboundFilter signer = message -> OutboundResult.prepend(List.of(new HeaderField("DKIM-Signature", "v=1")));
        register(100, signer);
        try (ScriptedServer peer = ScriptedServer.offering("SIZE " + MESSAGE.length())) {
            RecipientOutcome out = delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test")).get(0);
            assertEquals(Outcome.FAILED, out.outcome());
            assertEquals("5.3.4", out.reply().enhancedStatus());
        }
        filters.remove(signer);
        try (ScriptedServer peer = ScriptedServer.offering("SIZE " + MESSAGE.length())) {
            assertEquals(Outcome.DELIVERED, delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals("MAIL FROM:<s@c.test> SIZE=" + MESSAGE.length(), peer.commands.get(1));
        }
    }

    /**
     * The internal marks of the queued envelope (submitted here, forwarded by an alias) reach the filters and never
     * the wire, even to a peer with DSN (whose RCPT parameters are passed on).
     */
    @Test
    void internalMarksReachTheFiltersAndNeverTheWire() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        register(100, message -> {
            seen.add(message.submittedHere() + " " + message.forwarded() + " " + message.forwardedBy());
            return OutboundResult.unchanged();
        });
        List<Recipient> recipients = List.of(
                new Recipient(MailAddress.parse("x@r.test"), Map.of(Router.FORWARDED_PARAMETER, "alias@c.test", "NOTIFY", "FAILURE")),
                new Recipient(MailAddress.parse("y@r.test"), Map.of(Router.FORWARDED_PARAMETER, "alias@c.test")),
                new Recipient(MailAddress.parse("z@r.test"), Map.of(Router.FORWARDED_PARAMETER, "list@c.test")),
                rcpt("direct@r.test"));
        try (ScriptedServer peer = ScriptedServer.offering("DSN", "PIPELINING")) {
            delivery.deliver(Fixtures.request(MESSAGE, List.of(hop(peer.port())), TransportOptions.DEFAULT,
                    Submission.mark(Map.of("RET", "HDRS")), recipients));
            assertEquals(List.of("true true [alias@c.test, list@c.test]"), seen);
            assertEquals("MAIL FROM:<s@c.test> RET=HDRS", peer.commands.get(1));
            assertEquals("RCPT TO:<x@r.test> NOTIFY=FAILURE", peer.commands.get(2));
            assertFalse(peer.commands.stream().anyMatch(c -> c.toUpperCase().contains("X-CARRIER")), peer.commands.toString());
        }
    }

    @Test
    void mailFromElsewhereIsNotSubmittedHereAndNotForwarded() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        register(100, message -> {
            seen.add(message.submittedHere() + " " + message.forwarded() + " " + message.forwardedBy());
            return OutboundResult.unchanged();
        });
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            delivery.deliver(Fixtures.request(MESSAGE, peer.port(), "a@r.test"));
            assertEquals(List.of("false false []"), seen);
        }
    }

    /** The header is read once per transaction, however many filters ask, and not at all when none asks. */
    @Test
    void theHeaderIsParsedOnceAndOnlyWhenAsked() throws Exception {
        register(200, message -> OutboundResult.prepend(List.of(new HeaderField("X-A", String.valueOf(message.header().size())))));
        register(100, message -> OutboundResult.prepend(List.of(new HeaderField("X-B", String.valueOf(message.header().size())))));
        CountingSource source = new CountingSource(MESSAGE);
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            delivery.deliver(requestOf(source, peer.port()));
            assertEquals("X-B: 2\r\nX-A: 1\r\n", peer.data.substring(0, "X-B: 2\r\nX-A: 1\r\n".length()));
        }
        // small messages are read into memory once (MailTransaction.READ_ONCE); the filters read that copy
        assertEquals(1, source.opened.get());
    }

    /** Without a filter the transaction reads the spool as before: the 8-bit scan and DATA, nothing more. */
    @Test
    void withoutFiltersALargeMessageIsReadAsBeforeAndSentUnchanged() throws Exception {
        String large = "Subject: big\r\n\r\n" + ("x".repeat(998) + "\r\n").repeat(300);
        CountingSource source = new CountingSource(large);
        try (ScriptedServer peer = ScriptedServer.accepting("250 ok")) {
            assertEquals(Outcome.DELIVERED, delivery.deliver(requestOf(source, peer.port())).get(0).outcome());
            assertEquals(large + ".\r\n", peer.data);
        }
        assertEquals(2, source.opened.get(), "one 8-bit scan and one send");
    }

    private static DeliveryRequest requestOf(MessageSource source, int port) {
        return new DeliveryRequest("TESTID", new Envelope(MailAddress.parse("s@c.test"), Map.of(), List.of(rcpt("a@r.test"))),
                List.of(hop(port)), TransportOptions.DEFAULT, source);
    }

    private static final class CountingSource implements MessageSource {
        final AtomicInteger opened = new AtomicInteger();
        private final byte[] bytes;

        CountingSource(String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public InputStream open() {
            opened.incrementAndGet();
            return new java.io.ByteArrayInputStream(bytes);
        }

        @Override
        public long size() {
            return bytes.length;
        }
    }

    private static String firstLine(MessageSource content) {
        try {
            String all = new String(readAll(content), StandardCharsets.UTF_8);
            return all.substring(0, all.indexOf("\r\n"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(MessageSource content) throws IOException {
        try (InputStream in = content.open()) {
            return in.readAllBytes();
        }
    }
}
