package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.queue.QueueUnavailableException;
import org.carrier.api.message.SmtpReply;
import org.junit.jupiter.api.Test;

/**
 * The command rules of RFC 5321 that hostile or broken clients test: a refused greeting, HELO names that are not
 * text, commands that take no argument, our own address literals, mail loops counted by their Received fields, and a
 * disk that fills up during a write.
 */
class CommandRulesTest {

    private static String code(String reply) {
        return reply.length() >= 9 ? reply.substring(0, 9) : reply;
    }

    /** A session whose HELO filter refuses names ending in {@code .bad} with 550, and {@code .later} with 451. */
    private static ProtocolDriver withHeloPolicy() {
        TestServices services = new TestServices();
        services.filters.add(new FilterChain.Named("helo-policy", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.HELO);
            }

            @Override
            public FilterResult helo(SessionInfo session) {
                String name = session.heloName();
                return name.endsWith(".bad") ? FilterResult.reject(550, "5.7.1", "HELO refused")
                        : name.endsWith(".later") ? FilterResult.tempfail(451, "4.7.1", "HELO later") : FilterResult.proceed();
            }
        }));
        return new ProtocolDriver(TestSettings.of("trustedNetworks", "10.0.0.0/8"), "192.0.2.7", services);
    }

    @Test
    void afterARefusedGreetingTheSessionIsAsBeforeHelo() {
        for (String refused : List.of("EHLO spam.bad", "HELO spam.bad", "EHLO busy.later")) {
            ProtocolDriver d = withHeloPolicy();
            assertTrue(d.send(refused).matches("(550 5.7.1|451 4.7.1) .*"), refused);
            assertEquals("503 5.5.1", code(d.send("MAIL FROM:<s@client.test>")), "no MAIL after " + refused);
            assertEquals("503 5.5.1", code(d.send("RCPT TO:<postmaster@localhost>")));
            assertEquals("503 5.5.1", code(d.send("DATA")));
            assertTrue(d.send("EHLO good.test").startsWith("250"), "a greeting that is accepted opens the session");
            assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")));
        }
    }

    @Test
    void aRefusedSecondGreetingEndsTheFirstOneToo() {
        ProtocolDriver d = withHeloPolicy();
        d.send("EHLO good.test");
        d.send("MAIL FROM:<s@client.test>");
        assertEquals("550 5.7.1", code(d.send("EHLO spam.bad")));
        assertEquals("503 5.5.1", code(d.send("MAIL FROM:<s@client.test>")), "RFC 5321 §4.1.4: EHLO resets, and this one was refused");
        assertEquals("503 5.5.1", code(d.send("RCPT TO:<postmaster@localhost>")), "the earlier transaction is gone");
    }

    @Test
    void heloNamesMustBePrintableText() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        for (String bad : List.of("EHLO evil.test\rX-Injected:tok", "EHLO evil\u0000.test", "EHLO evil\u001b[31m.test",
                "EHLO evil\u007f.test", "EHLO bad\uFFFDutf8.test", "EHLO c1\u0085.test", "HELO m\u00fcller.test", "EHLO tab\tname")) {
            assertEquals("501 5.5.2", code(d.send(bad)), bad);
            assertEquals("503 5.5.1", code(d.send("MAIL FROM:<s@client.test>")), "refused: no session after " + bad);
        }
        assertTrue(d.send("EHLO m\u00fcller.test").startsWith("250"), "RFC 6531 §3.7.1: a UTF-8 name with EHLO");
        assertTrue(d.send("HELO [192.0.2.7]").startsWith("250"));
        assertTrue(d.send("EHLO  client.test ").startsWith("250"), "spaces around the name are not part of it");
    }

    @Test
    void clientTextInTheReceivedFieldCannotStartAFieldOfItsOwn() {
        SessionInfo session = new SessionInfo("S1", "test", new InetSocketAddress("192.0.2.7", 40000), new InetSocketAddress("127.0.0.1", 25),
                "evil.test\rX-Injected:tok", true, "TLSv1.3", "bob\r\nX-Forged: 1", true);
        Envelope envelope = Envelope.from(MailAddress.parse("s@client.test"), Map.of())
                .withRecipient(Recipient.of(MailAddress.parse("a@localhost")));
        String received = TraceHeader.received(session, "mx.carrier.test", envelope, "Q1", "TLS_AES_128_GCM_SHA256", true);
        assertTrue(received.startsWith("Received: from evil.test?X-Injected:tok ([192.0.2.7])\r\n"), received);
        assertTrue(received.contains("(Authenticated sender: bob??X-Forged: 1)"), received);
        assertEquals(received.split("\r\n").length, received.split("\n").length, "every line break is a CRLF of the field's folding");
        for (String line : received.split("\r\n")) {
            assertTrue(line.startsWith("Received:") || line.startsWith("\t"), "a line that is not a continuation: " + line);
        }
    }

    @Test
    void rsetAndQuitTakeNoArgument() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        assertEquals("501 5.5.4 Syntax: RSET takes no argument", d.send("RSET foo"));
        assertEquals("503 5.5.1", code(d.send("MAIL FROM:<s@client.test>")), "the refused RSET did not reset");
        assertEquals("501 5.5.4 Syntax: QUIT takes no argument", d.send("QUIT foo"));
        assertEquals(Response.Next.COMMAND, d.next, "the session goes on");
        assertEquals("250 2.0.0 Ok", d.send("RSET"));
        assertEquals("250 2.0.0 Ok", d.send("NOOP anything"), "RFC 5321 §4.1.1.9: NOOP may carry a string");
        assertEquals("221 2.0.0 Bye", d.send("QUIT"));
    }

    @Test
    void theListenersOwnAddressLiteralIsLocal() {
        // The session is on 127.0.0.1:25; the router's first local domain is localhost.
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<postmaster@[127.0.0.1]>")), "RFC 5321 §4.5.1: postmaster always works");
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<Alice@[127.0.0.1]>")));
        assertEquals("550 5.4.4", code(d.send("RCPT TO:<postmaster@[127.0.0.2]>")), "another address is not ours: routed as it is");
        assertEquals("550 5.4.4", code(d.send("RCPT TO:<postmaster@[IPv6:::1]>")));
        d.send("DATA");
        d.content("Subject: x\r\n\r\nhi\r\n.\r\n");
        List<Recipient> recipients = d.queue.committed.get(0).envelope().recipients();
        assertEquals(List.of("postmaster@localhost", "Alice@localhost"), recipients.stream().map(r -> r.address().toString()).toList());
    }

    @Test
    void theOwnIpv6LiteralIsLocalToo() {
        TestServices services = new TestServices();
        SmtpProtocol p = new SmtpProtocol(TestSettings.of(), services, "T1", new InetSocketAddress("::1", 40000),
                new InetSocketAddress("::1", 25));
        p.greet();
        p.command("EHLO client.test");
        p.command("MAIL FROM:<s@client.test>");
        assertEquals(250, p.command("RCPT TO:<postmaster@[IPv6:0:0::1]>").replies().get(0).code());
    }

    private static String receivedFields(int n) {
        return "Received: from hop.test by hop.test; Sun, 6 Dec 2026 20:00:00 +0000\r\n".repeat(n);
    }

    @Test
    void aMessageThatWouldReachMaxHopsIsALoop() {
        // 49 from the client and ours make 50, the default maxHops: refused, as the queue would bounce it (Postfix's rule)
        for (int received : new int[] {49, 101, 150}) {
            ProtocolDriver d = ProtocolDriver.untrusted();
            d.send("EHLO client.test");
            d.send("MAIL FROM:<s@client.test>");
            d.send("RCPT TO:<a@localhost>");
            d.send("DATA");
            String reply = d.content(receivedFields(received) + "Subject: loop\r\n\r\nbody\r\n.\r\n");
            assertEquals("554 5.4.6 too many hops (" + (received + 1) + " Received fields, the limit is 50): mail loop", reply);
            assertTrue(d.queue.committed.isEmpty(), "not queued");
            assertEquals(1, d.queue.discarded.get());
        }
    }

    @Test
    void fortyEightHopsAreAccepted() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("DATA");
        assertTrue(d.content(receivedFields(48) + "Subject: far\r\n\r\nbody\r\n.\r\n").startsWith("250 2.0.0 Ok: queued"));
    }

    @Test
    void onlyTheClientsHeaderSectionCounts() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("maxHops", 5), "127.0.0.1");
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("DATA");
        // three hops (any case, folded), then look-alikes that are not Received fields
        String header = "received: from a\r\n\tby b; date\r\nRECEIVED: from c\r\nReceived:from d\r\n"
                + "X-Received: no\r\nReceived-SPF: pass\r\nReceivedx: no\r\n Received: a continuation\r\nSubject: ok\r\n\r\n";
        assertTrue(d.content(header + receivedFields(10) + ".\r\n").startsWith("250 2.0.0 Ok: queued"), "3 hops, ours, and a body that quotes 10");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("BDAT 2000 LAST");
        String chunk = receivedFields(4) + "\r\nbody\r\n";
        String padded = chunk + "x".repeat(2000 - chunk.length() - 2) + "\r\n";
        assertEquals("554 5.4.6", code(d.content(padded)), "BDAT counts the same way: 4 and ours reach 5");
        assertEquals(1, d.queue.committed.size());
        assertFalse(d.queue.committed.get(0).content().isEmpty());
    }

    @Test
    void aFullDiskDuringTheWriteIsTheQueuesLowSpaceReply() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.queue.contentFailure = new QueueUnavailableException(new SmtpReply(452, "4.3.1", "Insufficient system storage, try again later"));
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("DATA");
        assertEquals("452 4.3.1 Insufficient system storage, try again later", d.content("Subject: x\r\n\r\n" + "y".repeat(40_000) + "\r\n.\r\n"));
        assertTrue(d.queue.committed.isEmpty());
    }
}
