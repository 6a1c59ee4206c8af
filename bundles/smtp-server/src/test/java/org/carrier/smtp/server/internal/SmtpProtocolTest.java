package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.junit.jupiter.api.Test;

class SmtpProtocolTest {

    private static ProtocolDriver inTransaction() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        assertTrue(d.send("MAIL FROM:<s@client.test>").startsWith("250"));
        return d;
    }

    private static String code(String reply) {
        return reply.length() >= 9 ? reply.substring(0, 9) : reply;
    }

    @Test
    void relayTricksDoNotOpenRelaying() {
        ProtocolDriver d = inTransaction();
        // RFC 5321 §3.6.2: a percent hack is a local part; the mail stays with the local domain.
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<user%relay.test@localhost>")));
        // A source route is ignored: the mailbox after it is the destination, which is remote here.
        assertTrue(d.send("RCPT TO:<@localhost:user@relay.test>").startsWith("554 5.7.1 <user@relay.test>: Relay access denied"));
        assertTrue(d.send("RCPT TO:<@localhost,@other.test:user@relay.test>").startsWith("554 5.7.1"));
        // A quoted local part with an at sign is a local part too.
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<\"user@relay.test\"@localhost>")));
        // Trailing dots and double at signs are not addresses.
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<user@relay.test.>")));
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<user@localhost.>")));
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<user@relay.test@localhost>")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<user@relay.test>@localhost")), "junk after the path is no parameter");
        assertEquals("554 5.7.1", code(d.send("RCPT TO:<USER@RELAY.TEST>")));
        assertEquals("250 2.0.0", code(d.send("RSET")));
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<@localhost:user@relay.test>");
        assertEquals("554 5.5.1", code(d.send("DATA")), "no recipient was accepted");
    }

    /** Found by CommandParserFuzzTest: a refused address is echoed in the reply, and its CR must not reach the wire. */
    @Test
    void clientTextEchoedInARefusalCannotForgeReplyLines() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        assertEquals("501 5.1.7 Syntax: bad local part in <a??250 2.1.0 Ok@client.test>\r\n",
                Reply.wire(d.protocol.command("MAIL FROM:<a\u0000\r250 2.1.0 Ok@client.test>").replies().get(0)));
    }

    @Test
    void theAcceptedTrickAddressesAreLocalMailboxesAsWritten() {
        ProtocolDriver d = inTransaction();
        d.send("RCPT TO:<user%relay.test@localhost>");
        d.send("RCPT TO:<\"user@relay.test\"@localhost>");
        assertEquals("354 End data with <CR><LF>.<CR><LF>", d.send("DATA"));
        assertTrue(d.content("Subject: x\r\n\r\nhi\r\n.\r\n").startsWith("250 2.0.0 Ok: queued as"));
        Envelope e = d.queue.committed.get(0).envelope();
        assertEquals("user%relay.test@localhost", e.recipients().get(0).address().toString());
        assertEquals("\"user@relay.test\"@localhost", e.recipients().get(1).address().toString());
    }

    @Test
    void addressFormsOf5321AreAccepted() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("trustedNetworks", "127.0.0.0/8"), "127.0.0.1");
        d.send("EHLO client.test");
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<>")));
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<Postmaster>")), "RFC 5321 §4.5.1");
        assertEquals("250 2.1.5", code(d.send("rcpt to:<@a.test,@b.test:bob@relay.test>")));
        assertEquals("550 5.4.4", code(d.send("RCPT TO:<a@[192.0.2.1]>")), "a literal is parsed and routed");
        assertEquals("550 5.4.4", code(d.send("RCPT TO:<a@[IPv6:2001:db8::1]>")));
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<a@[300.1.1.1]>")));
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<a@[IPv6:nothex]>")));
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<a@[tag:content]>")), "general literals are refused");
        assertEquals("501 5.1.3", code(d.send("RCPT TO:<>")));
    }

    @Test
    void dsnParametersAreValidatedAndKept() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        assertEquals("501 5.5.4", code(d.send("MAIL FROM:<s@client.test> RET=ALL")));
        assertEquals("501 5.5.4", code(d.send("MAIL FROM:<s@client.test> ENVID=a=b")));
        assertEquals("501 5.5.4", code(d.send("MAIL FROM:<s@client.test> ENVID=" + "x".repeat(101))));
        assertEquals("501 5.5.4", code(d.send("MAIL FROM:<s@client.test> RET=FULL RET=HDRS")));
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test> RET=HDRS ENVID=QQ+2B314 SIZE=10 BODY=8BITMIME")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<a@localhost> NOTIFY=NEVER,SUCCESS")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<a@localhost> NOTIFY=SUCCESS,SUCCESS")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<a@localhost> NOTIFY=SOMETIMES")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<a@localhost> ORCPT=a@localhost")));
        assertEquals("501 5.5.4", code(d.send("RCPT TO:<a@localhost> ORCPT=rfc822;a+4")));
        assertEquals("555 5.5.4", code(d.send("RCPT TO:<a@localhost> FOO=BAR")));
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<a@localhost> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;A+2Bb@example.test")));
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<b@localhost> NOTIFY=never")));
        d.send("DATA");
        d.content("x\r\n.\r\n");
        Envelope e = d.queue.committed.get(0).envelope();
        assertEquals(Map.of("RET", "HDRS", "ENVID", "QQ+2B314", "SIZE", "10", "BODY", "8BITMIME"), e.mailParameters());
        Recipient a = e.recipients().get(0);
        assertEquals(Map.of("NOTIFY", "SUCCESS,DELAY", "ORCPT", "rfc822;A+2Bb@example.test"), a.parameters());
        assertEquals(Map.of("NOTIFY", "never"), e.recipients().get(1).parameters());
    }

    @Test
    void utf8AddressesNeedSmtputf8() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        assertEquals("553 5.6.7", code(d.send("MAIL FROM:<δοκιμή@παράδειγμα.test>")));
        assertEquals("501 5.5.4", code(d.send("MAIL FROM:<s@client.test> SMTPUTF8=yes")));
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")));
        assertEquals("553 5.6.7", code(d.send("RCPT TO:<ünïcode@localhost>")));
        d.send("RSET");
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<δοκιμή@παράδειγμα.test> SMTPUTF8")));
        assertEquals("250 2.1.5", code(d.send("RCPT TO:<ünïcode@localhost>")));
        d.send("DATA");
        d.content("Subject: ü\r\n\r\nx\r\n.\r\n");
        String content = d.queue.committed.get(0).content();
        assertTrue(content.contains(" with UTF8SMTP id "), content);
        assertEquals("ünïcode@localhost", d.queue.committed.get(0).envelope().recipients().get(0).address().toString());
    }

    @Test
    void parametersNeedEhlo() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("HELO client.test");
        assertEquals("555 5.5.4", code(d.send("MAIL FROM:<s@client.test> SIZE=10")));
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")));
        d.send("RCPT TO:<a@localhost>");
        d.send("BDAT 4 LAST");
        assertEquals("503 5.5.1", code(d.content("x\r\n\r")), "no CHUNKING after HELO; the chunk is still read");
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")), "and the transaction is over");
    }

    @Test
    void bdatChunksMakeOneMessage() {
        ProtocolDriver d = inTransaction();
        d.send("RCPT TO:<a@localhost>");
        assertEquals("", d.send("BDAT 12"));
        assertEquals(Response.Next.CONTENT, d.next);
        assertEquals("250 2.0.0 12 octets received", d.content("Subject: x\r\n"));
        assertEquals("503 5.5.1", code(d.send("DATA")), "RFC 3030 §3: no DATA within a BDAT transaction");
        d.send("BDAT 7 LAST");
        assertTrue(d.content("\r\n.hi\r\n").startsWith("250 2.0.0 Ok: queued as Q1"));
        assertTrue(d.queue.committed.get(0).content().endsWith("Subject: x\r\n\r\n.hi\r\n"), "no dot-unstuffing in BDAT");
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")), "the transaction is over");
    }

    @Test
    void aRefusedChunkIsStillReadWhole() {
        ProtocolDriver d = ProtocolDriver.untrusted();
        d.send("EHLO client.test");
        d.send("BDAT 10");
        assertEquals("503 5.5.1 Error: bad sequence of commands", d.content("MAIL FROM:"));
        d.send("MAIL FROM:<s@client.test>");
        d.send("BDAT 6 LAST");
        assertEquals("554 5.5.1 Error: no valid recipients", d.content("QUIT\r\n"));
        assertEquals("503 5.5.1", code(d.send("RCPT TO:<a@localhost>")), "RFC 3030 §4.2: a refused LAST chunk ends the transaction");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        assertTrue(d.send("BDAT 0 LAST").startsWith("250 2.0.0 Ok: queued as"), "an empty last chunk completes the message");
    }

    @Test
    void bdatWithBareLineFeedsIsRefusedLikeData() {
        ProtocolDriver d = inTransaction();
        d.send("RCPT TO:<a@localhost>");
        d.send("BDAT 5 LAST");
        assertTrue(d.content("a\nb\r\n").startsWith("550 5.6.11"));
        assertTrue(d.queue.committed.isEmpty());
        assertEquals(1, d.queue.discarded.get());
    }

    @Test
    void aTooBigBdatMessageIsRefusedAndTheRestIsRead() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("maxMessageSize", 300L), "127.0.0.1");
        d.send("EHLO client.test");
        d.send("MAIL FROM:<s@client.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("BDAT 400");
        assertEquals("552 5.3.4", code(d.content("x".repeat(400))));
        d.send("BDAT 3 LAST");
        assertEquals("503 5.5.1", code(d.content("y\r\n")), "RFC 3030 §4.2: a chunk pipelined after a refused one is read and refused");
        assertTrue(d.queue.committed.isEmpty());
        assertEquals("250 2.1.0", code(d.send("MAIL FROM:<s@client.test>")));
    }

    @Test
    void submissionNeedsAuthenticationBeforeMail() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("role", "submission"), "127.0.0.1");
        d.send("EHLO client.test");
        assertEquals("530 5.7.0", code(d.send("MAIL FROM:<s@client.test>")));
    }

    @Test
    void tooManyErrorsCloseTheSessionWith421() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("maxErrors", 2), "127.0.0.1");
        d.send("FOO");
        d.send("BAR");
        assertEquals("500 5.5.1 Error: command not recognized | 421 4.7.0 mx.carrier.test Error: too many errors", d.send("BAZ"));
        assertEquals(Response.Next.CLOSE, d.next);
    }

    @Test
    void junkCommandsBeyondTheirLimitCountAsErrors() {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("maxJunkCommands", 3, "maxErrors", 1), "127.0.0.1");
        for (int i = 0; i < 4; i++) {
            assertEquals("250 2.0.0 Ok", d.send("NOOP"));
        }
        assertEquals("250 2.0.0 Ok | 421 4.7.0 mx.carrier.test Error: too many errors", d.send("RSET"));
        assertEquals(Response.Next.CLOSE, d.next);
    }

    @Test
    void everyReplyAfterTheGreetingCarriesAnEnhancedCode() {
        ProtocolDriver d = inTransaction();
        for (String command : new String[] {"NOOP", "HELP", "VRFY x", "VRFY", "EXPN x", "FOO", "RCPT TO:<a@localhost>", "RSET", "QUIT"}) {
            String reply = d.send(command);
            assertTrue(reply.matches("\\d{3} [245]\\.\\d{1,3}\\.\\d{1,3} .*"), command + " -> " + reply);
        }
    }
}
