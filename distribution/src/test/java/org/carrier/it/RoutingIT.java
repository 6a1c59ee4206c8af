package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end: mail through the running distribution to MX hosts found through a real nsd on a loopback port;
 * SMTP sinks on 127.0.0.x addresses stand for the MX hosts (RFC 5321 §5.1, RFC 7505). Also aliases, virtual
 * mailboxes, the other kinds of route (discard, reject, hold), and a route changed while mail waits in the queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingIT {
    private static final String SENDER = "sender@client.test";
    /** The MX hosts' names and addresses, as the zone says. 127.0.0.21 (down.failover) has no sink: a host that is down. */
    private static final Map<String, String> HOSTS = Map.of(
            "mx1.pref.mx.test", "127.0.0.11", "mx2.pref.mx.test", "127.0.0.12",
            "down.failover.mx.test", "127.0.0.21", "up.failover.mx.test", "127.0.0.22",
            "a.equal.mx.test", "127.0.0.16", "b.equal.mx.test", "127.0.0.17",
            "implicit.mx.test", "127.0.0.13", "mx.noaddr.mx.test", "127.0.0.18", "mx.later.test", "127.0.0.19",
            "mail.test", "127.0.0.23");
    private static final String ZONE = """
            pref MX 20 mx2.pref.mx.test.
            pref MX 10 mx1.pref.mx.test.
            failover MX 5 down.failover.mx.test.
            failover MX 10 up.failover.mx.test.
            equal MX 10 a.equal.mx.test.
            equal MX 10 b.equal.mx.test.
            nullmx MX 0 .
            nullmx A 127.0.0.15
            noaddr MX 10 nohost.noaddr.mx.test.
            noaddr MX 20 mx.noaddr.mx.test.
            """ + HOSTS.entrySet().stream().filter(h -> h.getKey().endsWith(".mx.test"))
            .map(h -> h.getKey().replace(".mx.test", "") + " A " + h.getValue()).collect(Collectors.joining("\n"));

    private NsdServer nsd;
    private RunningCarrier carrier;
    /** A next hop offering PIPELINING that refuses one recipient, and keeps to one transaction at a time. */
    private SmtpSink refusing;
    private final Map<String, SmtpSink> sinks = new HashMap<>();
    private int mxPort;

    @BeforeAll
    void start() throws Exception {
        // servfail.test: a zone file nsd cannot load, so it answers SERVFAIL for it.
        // mail.test: a relay host only Carrier's DNS (this nsd) knows, named in an smtp route's nextHops.
        nsd = NsdServer.start(Map.of("mx.test", ZONE, "later.test", "@ MX 10 mx.later.test.\nmx A 127.0.0.19", "mail.test", "@ A 127.0.0.23",
                "servfail.test", "not a resource record"), 60);
        mxPort = sinksOnOnePort();
        refusing = SmtpSink.refusing("nobody@refusing.test");
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-mx-");
        carrier = new RunningCarrier(dir);
        Path config = carrier.home.resolve("config");
        // The default dnssec = validate: nsd is an authoritative server that refuses the root's DNSKEY set, so Carrier
        // takes it for a resolver without DNSSEC and every answer is insecure; the mx route's default tls = dane then
        // delivers as may, as a newcomer's Carrier does behind such a resolver (DaneIT covers DANE).
        write(config.resolve("org.carrier.dns.cfg"), "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        // Every MX host listens on the same (free) port, as they all would on 25.
        write(config.resolve("org.carrier.route-mx.cfg"), "domains = *.mx.test, servfail.test\ntransport = mx\nport = " + mxPort + "\n");
        write(config.resolve("org.carrier.route-later.cfg"), "domains = later.test\ntransport = smtp\nnextHops = 127.0.0.21:" + mxPort + "\n");
        write(config.resolve("org.carrier.route-refusing.cfg"), "domains = refusing.test\ntransport = smtp\nnextHops = 127.0.0.1:"
                + refusing.port() + "\n");
        write(config.resolve("org.carrier.route-named.cfg"), "domains = named.test\ntransport = smtp\nnextHops = mail.test:" + mxPort + "\n");
        write(config.resolve("org.carrier.route-nxhop.cfg"), "domains = nxhop.test\ntransport = smtp\nnextHops = nohost.mail.test:"
                + mxPort + "\n");
        write(config.resolve("org.carrier.route-loop.cfg"), "domains = loop.test\ntransport = smtp\nnextHops = 127.0.0.21:" + mxPort + "\n");
        write(config.resolve("org.carrier.queue.cfg"), "retryDelays = 2s\nmaxLifetime = 1h\nmaxHops = 20\n");
        String router = Files.readString(config.resolve("org.carrier.router.cfg"));
        write(config.resolve("org.carrier.router.cfg"), router.replace("virtualDomains =", "virtualDomains = virtual.test"));
        write(config.resolve("mailboxes.properties"), "alice@virtual.test = ajones\n");
        Files.writeString(config.resolve("aliases.properties"), "team@virtual.test = alice@virtual.test, friend@pref.mx.test\n",
                java.nio.file.StandardOpenOption.APPEND);
        carrier.start();
    }

    /** Sinks for every MX host except the one that is down, all on one port free on each of their addresses. */
    private int sinksOnOnePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = Distribution.freePort();
            try {
                for (Map.Entry<String, String> host : HOSTS.entrySet()) {
                    if (!host.getKey().startsWith("down.")) {
                        sinks.put(host.getKey(), new SmtpSink(InetAddress.getByName(host.getValue()), port));
                    }
                }
                return port;
            } catch (BindException taken) {
                closeSinks();
            }
        }
        throw new IOException("no port free on all the MX addresses");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, this::closeSinks, refusing, nsd);
    }

    private void closeSinks() throws IOException {
        for (SmtpSink sink : sinks.values()) {
            sink.close();
        }
        sinks.clear();
    }

    private String send(String... recipients) throws IOException {
        return SmtpClient.send(carrier.smtpPort, SENDER, List.of(recipients), SmtpClient.message("mx", 100));
    }

    private SmtpSink.Received at(String host, int seconds) throws InterruptedException {
        return sinks.get(host).next(seconds);
    }

    @Test
    void theMostPreferredMxGetsTheMail() throws Exception {
        assertTrue(send("bob@pref.mx.test").startsWith("250"));
        SmtpSink.Received mail = at("mx1.pref.mx.test", 30);
        assertNotNull(mail, "nothing reached the preference-10 MX:\n" + carrier.console());
        assertEquals(List.of("bob@pref.mx.test"), mail.to());
        assertNull(at("mx2.pref.mx.test", 1), "the preference-20 MX got mail too");
    }

    @Test
    void whenTheFirstMxIsDownTheNextOneGetsTheMail() throws Exception {
        assertArrives("bob@failover.mx.test", "up.failover.mx.test", "no failover to the second MX");
    }

    @Test
    void equalPreferencesShareTheMail() throws Exception {
        for (int i = 0; i < 16; i++) {
            assertTrue(send("bob" + i + "@equal.mx.test").startsWith("250"));
        }
        int a = 0;
        int b = 0;
        for (int i = 0; i < 16 && a + b < 16; i++) {
            a += at("a.equal.mx.test", 0) != null ? 1 : 0;
            b += at("b.equal.mx.test", 0) != null ? 1 : 0;
            if (a + b < 16) {
                Thread.sleep(1000);
            }
        }
        assertEquals(16, a + b, "not every message arrived:\n" + carrier.console());
        assertTrue(a > 0 && b > 0, "16 messages all went to one of two equal MX hosts: " + a + " / " + b);
    }

    @Test
    void withoutMxTheDomainsAddressTakesTheMail() throws Exception {
        assertArrives("bob@implicit.mx.test", "implicit.mx.test", "implicit MX not used");
    }

    @Test
    void anMxHostWithoutAddressIsSkipped() throws Exception {
        assertArrives("bob@noaddr.mx.test", "mx.noaddr.mx.test", "the MX with an address was not used");
    }

    /**
     * A newcomer's Carrier behind a server without DNSSEC (this nsd refuses the root's DNSKEY set): with the default
     * dnssec = validate, mail to an mx route (default tls = dane) still goes, and one WARN line says why DANE is off.
     */
    @Test
    void aServerWithoutDnssecLeavesDaneInactiveWithOneWarning() throws Exception {
        assertArrives("dora@pref.mx.test", "mx1.pref.mx.test", "a server without DNSSEC deferred the mail");
        String log = carrier.awaitLog("do not support DNSSEC");
        List<String> warnings = log.lines().filter(l -> l.contains("do not support DNSSEC")).toList();
        assertEquals(1, warnings.size(), log);
        assertTrue(warnings.get(0).contains(" WARN ") && warnings.get(0).contains("DNS servers " + nsd.server()
                + " do not support DNSSEC (DNSKEY . with the DO bit: REFUSED). DANE is inactive"), warnings.get(0));
    }

    private void assertArrives(String rcpt, String host, String problem) throws Exception {
        assertTrue(send(rcpt).startsWith("250"));
        SmtpSink.Received mail = at(host, 30);
        assertNotNull(mail, problem + ":\n" + carrier.console());
        assertEquals(List.of(rcpt), mail.to());
    }

    @Test
    void refusalsComeAtRcptTime() throws Exception {
        assertTrue(send("bob@nullmx.mx.test").startsWith("556 5.1.10"), "RFC 7505 null MX");
        assertTrue(send("bob@nx.mx.test").startsWith("550 5.1.2"), "NXDOMAIN");
        assertTrue(send("bob@servfail.test").startsWith("451 4.4.3"), "SERVFAIL");
        // nsd refuses names outside its zones: no answer, so "try again later".
        write(carrier.home.resolve("config/org.carrier.route-elsewhere.cfg"), "domains = elsewhere.example\ntransport = mx\n");
        assertTrue(Distribution.waitFor(20, () -> quietly("bob@elsewhere.example").startsWith("451 4.4.3")),
                "no temporary refusal for a DNS failure:\n" + carrier.console());
    }

    /**
     * The form FileInstall writes a route back in once a list was saved in the console's Configuration page
     * (felix.fileinstall.enableConfigSave): every element of the list is a domain of the route, not only the first.
     */
    @Test
    void aRouteInFileInstallsTypedFormRoutesEveryDomainOfItsList() throws Exception {
        write(carrier.home.resolve("config/org.carrier.route-typed.cfg"), "domains = [ \\\n  \"typed1.test\", \\\n  \"typed2.test\", \\\n  ]\n"
                + "transport = \"reject\"\nrejectCode = L\"554\"\nrejectText = \"5.7.1 typed route\"\n");
        assertTrue(Distribution.waitFor(20, () -> quietly("bob@typed1.test").startsWith("554 5.7.1 typed route")),
                "the typed route is not in force:\n" + carrier.console());
        assertTrue(send("bob@typed2.test").startsWith("554 5.7.1 typed route"), "the list's second domain is not routed");
    }

    @Test
    void aliasesAndVirtualMailboxes() throws Exception {
        assertTrue(send("nobody@virtual.test").startsWith("550 5.1.1"), "unknown virtual address accepted");
        assertTrue(send("team@virtual.test", "postmaster@virtual.test").startsWith("250"));
        assertNotNull(at("mx1.pref.mx.test", 30), "the alias's remote target was not forwarded:\n" + carrier.console());
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("ajones")).size() == 1
                && Distribution.newMail(carrier.maildir("root")).size() == 1), "virtual mailbox or postmaster alias not delivered:\n" + carrier.console());
        String mail = Files.readString(Distribution.newMail(carrier.maildir("ajones")).get(0));
        assertTrue(mail.contains("Delivered-To: alice@virtual.test\r\n"), mail);
    }

    @Test
    void discardRejectAndHoldRoutes() throws Exception {
        Path config = carrier.home.resolve("config");
        write(config.resolve("org.carrier.route-trap.cfg"), "domains = trap.test\ntransport = discard\n");
        write(config.resolve("org.carrier.route-closed.cfg"),
                "domains = closed.test\ntransport = reject\nrejectCode = 554\nrejectText = 5.7.1 closed.test takes no mail\n");
        write(config.resolve("org.carrier.route-held.cfg"), "domains = held.test\ntransport = hold\n");
        assertTrue(Distribution.waitFor(20, () -> quietly("x@closed.test").startsWith("554 5.7.1 closed.test takes no mail")),
                "the reject route did not refuse at RCPT:\n" + carrier.console());
        assertTrue(Distribution.waitFor(20, () -> quietly("x@trap.test").startsWith("250")), "discard route not followed");
        assertTrue(Distribution.waitFor(20, () -> carrier.console().lines()
                        .anyMatch(l -> l.contains("to=<x@trap.test>, relay=discard,") && l.contains("status=sent"))),
                "no log line for the discarded mail:\n" + carrier.console());
        assertTrue(Distribution.waitFor(20, () -> quietly("erin@held.test").startsWith("250")), "hold route not followed");
        assertTrue(Distribution.waitFor(20, () -> carrier.console().lines()
                        .anyMatch(l -> l.contains("to=<erin@held.test>") && l.contains("held by route"))),
                "the held mail was not kept back:\n" + carrier.console());
        // Release: the route now relays to an MX sink; the held mail leaves at its next attempt.
        write(config.resolve("org.carrier.route-held.cfg"), "domains = held.test\ntransport = smtp\nnextHops = 127.0.0.13:" + mxPort + "\n");
        SmtpSink.Received released = at("implicit.mx.test", 40);
        assertNotNull(released, "the held mail was not released:\n" + carrier.console());
        assertEquals(List.of("erin@held.test"), released.to());
    }

    @Test
    void aChangedTableAppliesAtOnceAndABrokenOneKeepsTheLastGood() throws Exception {
        Path mailboxes = carrier.home.resolve("config/mailboxes.properties");
        assertTrue(send("dave@virtual.test").startsWith("550 5.1.1"));
        write(mailboxes, "alice@virtual.test = ajones\ndave@virtual.test = dave\n");
        assertTrue(Distribution.waitFor(20, () -> quietly("dave@virtual.test").startsWith("250")),
                "the new mailbox was not picked up:\n" + carrier.console());
        write(mailboxes, "alice@virtual.test = ajones\ndave@virtual.test = ../escape\n");
        assertTrue(Distribution.waitFor(20, () -> carrier.console().contains("mailboxes.properties:2: not a mailbox folder name")),
                "the broken table was not reported with file and line:\n" + carrier.console());
        assertTrue(send("dave@virtual.test").startsWith("250"), "the last good table is no longer in force");
    }

    @Test
    void aRouteChangedInConfigAdminRedirectsMailAlreadyQueued() throws Exception {
        // The route names a relay that is down: the mail is deferred and waits in the queue.
        assertTrue(send("carol@later.test").startsWith("250"));
        assertTrue(Distribution.waitFor(30, () -> carrier.console().lines()
                        .anyMatch(l -> l.contains("to=<carol@later.test>") && l.contains("status=deferred"))),
                "the mail was not deferred:\n" + carrier.console());
        // FileInstall hands the changed file to ConfigAdmin; the next attempt routes through the MX instead.
        write(carrier.home.resolve("config/org.carrier.route-later.cfg"), "domains = later.test\ntransport = mx\nport = " + mxPort + "\n");
        SmtpSink.Received mail = at("mx.later.test", 40);
        assertNotNull(mail, "the queued mail did not follow the changed route:\n" + carrier.console());
        assertEquals(List.of("carol@later.test"), mail.to());
    }

    /**
     * Issue 22 item 2: a message whose only recipient the next hop refused leaves the peer with an open transaction;
     * the next message to the same route, on the reused connection, must still be delivered (RSET in between), not
     * bounced with "503 nested MAIL command", and the peer must get no empty message.
     */
    @Test
    void aMessageAfterARefusedRecipientOnAReusedConnectionIsDelivered() throws Exception {
        assertTrue(send("nobody@refusing.test").startsWith("250"));
        assertTrue(carrier.awaitLog("to=<nobody@refusing.test>").lines().anyMatch(l -> l.contains("to=<nobody@refusing.test>")
                && l.contains("status=bounced (550 5.1.1")), "the refused recipient was not bounced:\n" + carrier.console());
        assertTrue(send("bob@refusing.test").startsWith("250"));
        SmtpSink.Received mail = refusing.next(30);
        assertNotNull(mail, "the second message was not delivered:\n" + carrier.console());
        assertEquals(List.of("bob@refusing.test"), mail.to());
        assertTrue(mail.content().contains("Subject:"), "an empty message reached the peer: " + mail.content());
        assertTrue(carrier.awaitLog("to=<bob@refusing.test>").lines().anyMatch(l -> l.contains("to=<bob@refusing.test>")
                && l.contains("status=sent")), carrier.console());
        assertEquals(0, refusing.nestedMailCommands(), "a MAIL came inside the refused transaction");
        assertNull(refusing.next(1), "the peer got another message");
    }

    /**
     * Issue 22 item 6: a host name in nextHops is resolved by Carrier's DNS resolver (this nsd), not the system's, both
     * at delivery and in carrier:route; a name that does not exist there bounces (550 5.4.4).
     */
    @Test
    void aNextHopNamedInARouteIsResolvedThroughCarriersDns() throws Exception {
        assertTrue(send("bob@named.test").startsWith("250"));
        SmtpSink.Received mail = at("mail.test", 30);
        assertNotNull(mail, "nothing reached mail.test at 127.0.0.23:\n" + carrier.console());
        assertEquals(List.of("bob@named.test"), mail.to());
        RunningCarrier.Ran route = carrier.bin("carrier", "", "shell", "carrier:route", "bob@named.test");
        assertTrue(route.out().contains("mail.test:" + mxPort + " [127.0.0.23]"), route.out() + route.err());

        assertTrue(send("bob@nxhop.test").startsWith("250"));
        assertTrue(carrier.awaitLog("to=<bob@nxhop.test>").lines().anyMatch(l -> l.contains("to=<bob@nxhop.test>")
                && l.contains("status=bounced (550 5.4.4")), "a next hop that does not exist was not bounced:\n" + carrier.console());
        assertTrue(carrier.bin("carrier", "", "shell", "carrier:route", "bob@nxhop.test").out().contains("(no address:"));
    }

    /**
     * Issue 22 item 1, the queue's side: 24 Received fields and ours pass the listener's limit (50) but reach the
     * queue's maxHops, set to 20 here (as for mail queued before the limit was lowered): the message is bounced with
     * 554 5.4.6 at its first attempt, never sent on (its route points at a host that is down, so a message sent on
     * would be deferred instead).
     */
    @Test
    void aMessageAtTheHopLimitIsBouncedByTheQueue() throws Exception {
        StringBuilder hops = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            hops.append("Received: from hop").append(i).append(".test by hop").append(i + 1)
                    .append(".test; Sun, 6 Dec 2026 20:00:00 +0000\r\n");
        }
        assertTrue(SmtpClient.send(carrier.smtpPort, SENDER, List.of("bob@loop.test"), hops + SmtpClient.message("loop", 100))
                .startsWith("250"));
        assertTrue(carrier.awaitLog("to=<bob@loop.test>").lines().anyMatch(l -> l.contains("to=<bob@loop.test>")
                && l.contains("status=bounced (554 5.4.6 too many hops (25 Received fields, the limit is 20)")), carrier.console());
    }

    private String quietly(String rcpt) {
        try {
            return send(rcpt);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
    }
}
