package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.rcpt;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207) under each policy, against a scripted peer with a certificate from a test CA. */
class TlsDeliveryTest {
    @TempDir
    static Path folder;
    private static TestCa certificates;
    private static SSLContext localhost;

    private final Watchdog watchdog = new Watchdog();
    private ClientDelivery delivery;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCa.create(folder);
        localhost = certificates.serverContext("localhost");
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        watchdog.close();
    }

    @Test
    void opportunisticTlsIsUsedWhenOfferedAndEhloIsRepeated() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            RecipientOutcome out = deliver(null, peer, "localhost", TlsPolicy.MAY);
            assertEquals(Outcome.DELIVERED, out.outcome());
            assertEquals(List.of("EHLO carrier.test", "STARTTLS", "EHLO carrier.test", "MAIL FROM:<s@c.test>"), peer.commands.subList(0, 4));
            assertTrue(peer.data.contains("line one"));
        }
    }

    @Test
    void verifyPassesWithATrustedCaAndTheRightName() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            RecipientOutcome out = deliver(certificates.caPem(), peer, "localhost", TlsPolicy.VERIFY);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertEquals("STARTTLS", peer.commands.get(1));
        }
    }

    @Test
    void verifyFailsForACertificateOfAnotherName() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            RecipientOutcome out = deliver(certificates.caPem(), peer, "mx.wrong.test", TlsPolicy.VERIFY);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.7.5", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"), "nothing sent over an unverified connection");
        }
    }

    @Test
    void verifyFailsForAnUntrustedCertificate() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            RecipientOutcome out = deliver(null, peer, "localhost", TlsPolicy.VERIFY);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.7.5", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    @Test
    void encryptAcceptsAnyCertificate() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            assertEquals(Outcome.DELIVERED, deliver(null, peer, "mx.wrong.test", TlsPolicy.ENCRYPT).outcome());
        }
    }

    @Test
    void encryptFailsAgainstAPeerWithoutStartTls() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            RecipientOutcome out = deliver(null, peer, "localhost", TlsPolicy.ENCRYPT);
            assertEquals(Outcome.DEFERRED, out.outcome());
            assertEquals("4.7.10", out.reply().enhancedStatus());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    @Test
    void policyNoneNeverStartsTls() throws Exception {
        try (ScriptedServer peer = tlsPeer()) {
            assertEquals(Outcome.DELIVERED, deliver(null, peer, "localhost", TlsPolicy.NONE).outcome());
            assertEquals(0, peer.count("STARTTLS"));
        }
    }

    @Test
    void opportunisticTlsThatFailsFallsBackToTheClear() throws Exception {
        // The peer offers STARTTLS but its handshake breaks (no certificate): MAY delivers in the clear on a new connection.
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.equals("STARTTLS") ? "220 go"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "STARTTLS"), "250 ok").startTls(javax.net.ssl.SSLContext.getDefault())) {
            RecipientOutcome out = deliver(null, peer, "localhost", TlsPolicy.MAY);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertEquals(2, peer.connections.get());
            assertEquals(1, peer.count("STARTTLS"), "the second connection stays in the clear");
        }
    }

    @Test
    void credentialsGoOnlyOverTls() throws Exception {
        try (ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.startsWith("AUTH") ? "235 2.7.0 ok"
                : cmd.equals("STARTTLS") ? "220 go" : cmd.equals("DATA") ? "354 go" : "250 ok", "STARTTLS", "AUTH PLAIN"), "250 ok")
                .startTls(localhost)) {
            delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), certificates.caPem(), watchdog);
            RecipientOutcome out = delivery.deliver(request(MESSAGE, List.of(new NextHop("localhost", peer.port(),
                    List.of(InetAddress.getLoopbackAddress()))), new TransportOptions(TlsPolicy.VERIFY, "relay", "s3cret"),
                    Map.of(), List.of(rcpt("a@r.test")))).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome());
            assertEquals(List.of("EHLO carrier.test", "STARTTLS", "EHLO carrier.test", "AUTH PLAIN AHJlbGF5AHMzY3JldA=="),
                    peer.commands.subList(0, 4));
        }
    }

    private ScriptedServer tlsPeer() throws Exception {
        return new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.equals("STARTTLS") ? "220 2.0.0 go"
                : cmd.equals("DATA") ? "354 go" : "250 ok", "PIPELINING", "STARTTLS"), "250 ok")
                .startTls(localhost);
    }

    /** Delivers to the peer as next hop {@code host} (on 127.0.0.1), so that the certificate check uses that name. */
    private RecipientOutcome deliver(Path caFile, ScriptedServer peer, String host, TlsPolicy policy) {
        delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), caFile, watchdog);
        NextHop hop = new NextHop(host, peer.port(), List.of(InetAddress.getLoopbackAddress()));
        return delivery.deliver(request(MESSAGE, List.of(hop), new TransportOptions(policy, null, null), Map.of(),
                List.of(rcpt("a@r.test")))).get(0);
    }
}
