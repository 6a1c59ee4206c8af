package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.rcpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REQUIRETLS (RFC 8689 §4.2.1) and {@code TLS-Required: No} (§5) on the way out, against scripted peers on 127.0.0.1
 * with certificates from a CA made for the test.
 */
class RequireTlsDeliveryTest {
    private static final String MESSAGE = "Subject: secret\r\n\r\nfor your eyes only\r\n";
    private static final String RELAXED_MESSAGE = "Subject: chatter\r\nTLS-Required: No\r\n\r\nanyone may read this\r\n";
    private static final Map<String, String> REQUIRETLS = Map.of(Envelope.REQUIRETLS, "");

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
    void requireTlsGoesOverVerifiedTlsAndIsPassedOn() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS", "REQUIRETLS")) {
            RecipientOutcome out = deliver(certificates.caPem(), TlsPolicy.VERIFY, REQUIRETLS, MESSAGE, peer);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertEquals(List.of("EHLO carrier.test", "STARTTLS", "EHLO carrier.test", "MAIL FROM:<s@c.test> REQUIRETLS"),
                    peer.commands.subList(0, 4));
        }
    }

    @Test
    void aVerifiedPeerWithoutRequireTlsGetsNothingAndTheMessageFails5730() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS")) {
            RecipientOutcome out = deliver(certificates.caPem(), TlsPolicy.VERIFY, REQUIRETLS, MESSAGE, peer);
            assertEquals(Outcome.FAILED, out.outcome(), out.toString());
            assertEquals("5.7.30", out.reply().enhancedStatus(), out.toString());
            assertEquals(0, peer.count("MAIL"), "nothing sent to a peer that does not promise REQUIRETLS");
        }
    }

    @Test
    void aPeerWhoseCertificateCannotBeVerifiedGetsNothingAndTheMessageFails5710() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS", "REQUIRETLS")) {
            RecipientOutcome out = deliver(null, TlsPolicy.VERIFY, REQUIRETLS, MESSAGE, peer);
            assertEquals(Outcome.FAILED, out.outcome(), out.toString());
            assertEquals("5.7.10", out.reply().enhancedStatus(), out.toString());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    @Test
    void aPeerWithoutStartTlsGetsNothingAndTheMessageFails5710() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING", "REQUIRETLS")) {
            RecipientOutcome out = deliver(certificates.caPem(), TlsPolicy.VERIFY, REQUIRETLS, MESSAGE, peer);
            assertEquals(Outcome.FAILED, out.outcome(), out.toString());
            assertEquals("5.7.10", out.reply().enhancedStatus(), out.toString());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    /** Opportunistic TLS authenticates nobody: a REQUIRETLS message is not sent under it, not even over TLS. */
    @Test
    void anOpportunisticRouteCannotCarryRequireTls() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS", "REQUIRETLS")) {
            RecipientOutcome out = deliver(certificates.caPem(), TlsPolicy.MAY, REQUIRETLS, MESSAGE, peer);
            assertEquals(Outcome.FAILED, out.outcome(), out.toString());
            assertEquals("5.7.10", out.reply().enhancedStatus(), out.toString());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    /** RFC 8689 §4.2.1: a host that does not meet the requirements is left for the next one. */
    @Test
    void theNextHostThatOffersRequireTlsTakesTheMessage() throws Exception {
        try (ScriptedServer without = tlsPeer("STARTTLS"); ScriptedServer with = tlsPeer("STARTTLS", "REQUIRETLS")) {
            delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), certificates.caPem(), watchdog);
            RecipientOutcome out = delivery.deliver(request(List.of(hop(without), hop(with)), TlsPolicy.VERIFY,
                    MailAddress.parse("s@c.test"), REQUIRETLS, MESSAGE)).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertEquals(0, without.count("MAIL"));
            assertEquals(1, with.count("MAIL"));
        }
    }

    /** RFC 8689 §5: a bounce of a REQUIRETLS message is not lost for want of REQUIRETLS at the next hop. */
    @Test
    void aRequireTlsBounceGoesToAPeerWithoutRequireTls() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS")) {
            delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog);
            RecipientOutcome out = delivery.deliver(request(List.of(hop(peer)), TlsPolicy.MAY, MailAddress.nullSender(),
                    REQUIRETLS, MESSAGE)).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertTrue(peer.commands.contains("MAIL FROM:<>"), peer.commands.toString());
        }
    }

    /** RFC 8689 §5: TLS-Required: No lets a message go although the route's verification fails. */
    @Test
    void tlsRequiredNoDeliversDespiteAFailedVerification() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS")) {
            RecipientOutcome out = deliver(null, TlsPolicy.VERIFY, Map.of(), RELAXED_MESSAGE, peer);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertTrue(peer.data.contains("anyone may read this"), peer.data);
        }
    }

    /** The same failure without the header field defers, as the route says. */
    @Test
    void withoutTheHeaderFieldTheFailedVerificationDefers() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS")) {
            RecipientOutcome out = deliver(null, TlsPolicy.VERIFY, Map.of(), MESSAGE, peer);
            assertEquals(Outcome.DEFERRED, out.outcome(), out.toString());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    /** RFC 8689 §4.1: with REQUIRETLS on MAIL FROM, TLS-Required: No is ignored. */
    @Test
    void requireTlsWinsOverTheHeaderField() throws Exception {
        try (ScriptedServer peer = tlsPeer("PIPELINING", "STARTTLS", "REQUIRETLS")) {
            RecipientOutcome out = deliver(null, TlsPolicy.VERIFY, REQUIRETLS, RELAXED_MESSAGE, peer);
            assertEquals(Outcome.FAILED, out.outcome(), out.toString());
            assertEquals("5.7.10", out.reply().enhancedStatus(), out.toString());
            assertEquals(0, peer.count("MAIL"));
        }
    }

    /** RFC 8689 §4.4: handing the message into a mailbox store over LMTP is final delivery, not relaying. */
    @Test
    void lmtpDeliveryIsFinalAndNeedsNoRequireTls() throws Exception {
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            delivery = Fixtures.client(Protocol.LMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog);
            RecipientOutcome out = delivery.deliver(request(List.of(hop(peer)), TlsPolicy.NONE, MailAddress.parse("s@c.test"),
                    REQUIRETLS, MESSAGE)).get(0);
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        }
    }

    private ScriptedServer tlsPeer(String... extensions) throws Exception {
        return new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> cmd.equals("STARTTLS") ? "220 2.0.0 go"
                : cmd.equals("DATA") ? "354 go" : "250 ok", extensions), "250 ok").startTls(localhost);
    }

    /** The peer as next hop "localhost" on 127.0.0.1, the name its certificate carries. */
    private static NextHop hop(ScriptedServer peer) {
        return new NextHop("localhost", peer.port(), List.of(InetAddress.getLoopbackAddress()));
    }

    private RecipientOutcome deliver(Path caFile, TlsPolicy policy, Map<String, String> mailParameters, String message,
                                     ScriptedServer peer) {
        delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), caFile, watchdog);
        return delivery.deliver(request(List.of(hop(peer)), policy, MailAddress.parse("s@c.test"), mailParameters, message)).get(0);
    }

    private static DeliveryRequest request(List<NextHop> hops, TlsPolicy policy, MailAddress sender,
                                           Map<String, String> mailParameters, String message) {
        return new DeliveryRequest("TESTID", new Envelope(sender, mailParameters, List.of(rcpt("a@r.test"))), hops,
                new TransportOptions(policy, null, null), MessageContent.of(message.getBytes(StandardCharsets.UTF_8)));
    }
}
