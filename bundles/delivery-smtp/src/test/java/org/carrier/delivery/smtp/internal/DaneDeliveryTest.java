package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.rcpt;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import javax.net.ssl.SSLContext;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.Envelope;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsReportMessages;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.testing.SignedZones;
import org.carrier.testing.dns.CarrierResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DANE for SMTP (RFC 7672), and MTA-STS (RFC 8461) where DANE does not apply, end to end in the client: zones signed at test time and served by the real nsd, Carrier's
 * own validating resolver with the test's trust anchor, and receivers on 127.0.0.x with certificates made at test
 * time. Each MX host has its own address and TLSA records at its own port.
 */
class DaneDeliveryTest {
    @TempDir
    static Path folder;
    static TestCa certificates;
    static TestCa.Issued ta;
    static SignedZones zones;
    static DnsResolver dns;
    static final Map<String, ScriptedServer> peers = new java.util.LinkedHashMap<>();

    private final Watchdog watchdog = new Watchdog();
    private final List<TlsSessionResult> recorded = new CopyOnWriteArrayList<>();
    private ClientDelivery delivery;
    private volatile MtaStsPolicies mtaSts;
    private final CounterFamily sessions = TlsResults.sessionCounter();

    @BeforeAll
    static void start() throws Exception {
        certificates = TestCa.create(folder);
        TestCa.Issued localhost = certificates.issue("localhost");
        ta = certificates.issue("ta.secure.test", "mx.sts.test");
        peers.put("mx", tlsPeer("127.0.0.21", localhost.context()));
        peers.put("bad", tlsPeer("127.0.0.22", localhost.context()));
        peers.put("bare", peer("127.0.0.23", cmd -> "250 ok", "PIPELINING"));
        peers.put("strip", peer("127.0.0.24", cmd -> cmd.equals("STARTTLS") ? "500 5.5.1 unknown command" : "250 ok", "XXXXXXXA"));
        peers.put("notlsa", tlsPeer("127.0.0.25", localhost.context()));
        peers.put("odd", tlsPeer("127.0.0.26", localhost.context()));
        peers.put("ta", tlsPeer("127.0.0.27", ta.context()));
        peers.put("tawrong", tlsPeer("127.0.0.28", localhost.context()));
        peers.put("plain", tlsPeer("127.0.0.31", localhost.context()));
        peers.put("bogus", tlsPeer("127.0.0.41", localhost.context()));
        peers.put("stsgood", tlsPeer("127.0.0.51", ta.context()));
        peers.put("stsother", tlsPeer("127.0.0.52", localhost.context()));
        peers.put("stsbare", peer("127.0.0.53", cmd -> "250 ok", "PIPELINING"));
        peers.put("stsrogue", tlsPeer("127.0.0.54", ta.context()));
        String ee = DaneTrustManagerTest.tlsa(3, 1, 1, localhost.certificate()).toString();
        String anchor = DaneTrustManagerTest.tlsa(2, 0, 1, certificates.ca()).toString();
        String zeros = "3 1 1 " + "00".repeat(32);
        zones = SignedZones.anchor("test", "").signed("secure.test", """
                @ MX 10 mx.secure.test.
                mx A 127.0.0.21
                %s TLSA %s
                bad A 127.0.0.22
                %s TLSA %s
                bare A 127.0.0.23
                %s TLSA %s
                strip A 127.0.0.24
                %s TLSA %s
                notlsa A 127.0.0.25
                odd A 127.0.0.26
                %s TLSA 7 1 1 %s
                %s TLSA 3 1 1 abcd
                ta A 127.0.0.27
                %s TLSA %s
                tawrong A 127.0.0.28
                %s TLSA %s
                """.formatted(tlsaName("mx"), ee, tlsaName("bad"), zeros, tlsaName("bare"), ee, tlsaName("strip"), ee,
                        tlsaName("odd"), "11".repeat(32), tlsaName("odd"), tlsaName("ta"), anchor, tlsaName("tawrong"), anchor))
                .unsigned("plain.test", """
                        @ MX 10 mx.plain.test.
                        mx A 127.0.0.31
                        _%d._tcp.mx TLSA %s
                        """.formatted(peers.get("plain").port(), zeros))
                .unsigned("sts.test", "@ MX 10 mx.sts.test.\nmx A 127.0.0.51\n")
                .bogus("bogus.test", """
                        @ MX 10 mx.bogus.test.
                        mx A 127.0.0.41
                        _%d._tcp.mx TLSA %s
                        """.formatted(peers.get("bogus").port(), ee), "TLSA")
                .start();
        dns = CarrierResolver.of(Map.of("servers", zones.server(), "trustAnchorFile", zones.trustAnchorFile().toString()));
    }

    private static String tlsaName(String host) {
        return "_" + peers.get(host).port() + "._tcp." + host;
    }

    private static ScriptedServer tlsPeer(String address, SSLContext context) throws Exception {
        return peer(address, cmd -> cmd.equals("STARTTLS") ? "220 2.0.0 go" : "250 ok", "PIPELINING", "STARTTLS", "REQUIRETLS")
                .startTls(context);
    }

    private static ScriptedServer peer(String address, Function<String, String> script, String... extensions) throws Exception {
        return new ScriptedServer(InetAddress.getByName(address), 0, "220 p", ScriptedServer.ehloThen(
                cmd -> cmd.equals("DATA") ? "354 go" : script.apply(cmd), extensions), "250 ok");
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (ScriptedServer peer : peers.values()) {
            peer.close();
        }
        if (zones != null) {
            zones.close();
        }
    }

    @BeforeEach
    void client() {
        delivery = Fixtures.client(Fixtures.settings(Fixtures.reuse(1, 10_000)), certificates.caPem(), watchdog,
                new ClientDelivery.Policies(() -> dns, () -> mtaSts, () -> recorded::add, sessions));
    }

    @AfterEach
    void stop() {
        delivery.close();
        watchdog.close();
    }

    @Test
    void aMatchingDaneEeRecordDeliversOverVerifiedTls() {
        RecipientOutcome out = deliver("mx", "secure.test", TlsPolicy.DANE, Map.of());
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertEquals(List.of("EHLO carrier.test", "STARTTLS", "EHLO carrier.test"), peers.get("mx").commands.subList(0, 3));
        TlsSessionResult result = recorded.get(0);
        assertTrue(result.successful(), result.toString());
        assertEquals(TlsPolicyType.TLSA, result.policyType());
        assertEquals("secure.test", result.policyDomain());
        assertEquals(1, result.policyStrings().size());
        assertEquals(InetAddress.getLoopbackAddress().getClass(), result.receivingIp().getClass());
        assertEquals(1, sessions.value("dane", "success"), "counted for the metrics");
    }

    @Test
    void aMismatchDefersAndSendsNothing() {
        RecipientOutcome out = deliver("bad", "secure.test", TlsPolicy.DANE, Map.of());
        assertDeferred(out, "bad", "did not match");
        assertEquals(TlsFailureType.VALIDATION_FAILURE, recorded.get(0).failure());
        assertEquals(1, peers.get("bad").connections.get(), "no second try in the clear");
        assertEquals(1, sessions.value("dane", "validation-failure"));
    }

    @Test
    void noStartTlsUnderSecureTlsaDefers() {
        RecipientOutcome out = deliver("bare", "secure.test", TlsPolicy.DANE, Map.of());
        assertDeferred(out, "bare", "STARTTLS not offered");
        assertEquals(TlsFailureType.STARTTLS_NOT_SUPPORTED, recorded.get(0).failure());
    }

    @Test
    void aPeerWhoseStartTlsWasStrippedIsRefused() {
        // a downgrading middlebox overwrites STARTTLS in the EHLO reply and refuses the command (RFC 7672 §1.3)
        RecipientOutcome out = deliver("strip", "secure.test", TlsPolicy.DANE, Map.of());
        assertDeferred(out, "strip", "STARTTLS not offered");
    }

    @Test
    void withoutTlsaDaneIsOpportunisticAndDaneOnlyDefers() {
        assertEquals(Outcome.DELIVERED, deliver("notlsa", "secure.test", TlsPolicy.DANE, Map.of()).outcome());
        assertEquals(TlsPolicyType.NO_POLICY_FOUND, recorded.get(0).policyType());
        long mails = peers.get("notlsa").count("MAIL");
        RecipientOutcome only = deliver("notlsa", "secure.test", TlsPolicy.DANE_ONLY, Map.of());
        assertEquals(Outcome.DEFERRED, only.outcome());
        assertEquals("4.7.5", only.reply().enhancedStatus());
        assertTrue(only.reply().text().contains("dane-only"), only.reply().text());
        assertEquals(mails, peers.get("notlsa").count("MAIL"), "dane-only sent nothing");
        assertEquals(TlsFailureType.DANE_REQUIRED, recorded.get(recorded.size() - 1).failure());
    }

    @Test
    void malformedRecordsAreUnusableAndTheHostIsNotUsed() {
        RecipientOutcome out = deliver("odd", "secure.test", TlsPolicy.DANE, Map.of());
        assertEquals(Outcome.DEFERRED, out.outcome());
        assertEquals("4.7.5", out.reply().enhancedStatus());
        assertTrue(out.reply().text().contains("no usable TLSA record"), out.reply().text());
        assertEquals(0, peers.get("odd").connections.get(), "not even connected");
        assertEquals(TlsFailureType.TLSA_INVALID, recorded.get(0).failure());
    }

    @Test
    void daneTaDeliversToACertificateForTheHostAndRefusesAnotherName() {
        assertEquals(Outcome.DELIVERED, deliver("ta", "secure.test", TlsPolicy.DANE, Map.of()).outcome());
        RecipientOutcome wrong = deliver("tawrong", "secure.test", TlsPolicy.DANE, Map.of());
        assertDeferred(wrong, "tawrong", "names [localhost]");
        assertEquals(TlsFailureType.CERTIFICATE_HOST_MISMATCH, recorded.get(recorded.size() - 1).failure());
    }

    @Test
    void anInsecureZonesTlsaIsIgnored() {
        // plain.test is unsigned: its TLSA record (which would not match) means nothing, the delivery is opportunistic
        RecipientOutcome out = deliver("plain", "plain.test", TlsPolicy.DANE, Map.of());
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertEquals("STARTTLS", peers.get("plain").commands.get(1));
        assertEquals(TlsPolicyType.NO_POLICY_FOUND, recorded.get(0).policyType());
    }

    @Test
    void aBogusTlsaAnswerDefersNeverTreatedAsInsecure() {
        RecipientOutcome out = deliver("bogus", "bogus.test", TlsPolicy.DANE, Map.of());
        assertEquals(Outcome.DEFERRED, out.outcome());
        assertEquals("4.7.5", out.reply().enhancedStatus());
        assertTrue(out.reply().text().contains("DNSSEC bogus"), out.reply().text());
        assertEquals(0, peers.get("bogus").connections.get());
        assertEquals(TlsFailureType.DNSSEC_INVALID, recorded.get(0).failure());
    }

    @Test
    void aTlsReportGoesDespiteADaneFailureAndIsNotRecorded() {
        // RFC 8460 §5.3: reports are delivered despite TLS failures, and not reported on
        RecipientOutcome out = deliver("bad", "secure.test", TlsPolicy.DANE, TlsReportMessages.mailParameters("secure.test"));
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertEquals(List.of(), recorded);
    }

    /** The domain's MTA-STS policy, as the mtasts bundle would give it (its fetching and caching are tested there). */
    private void policy(MtaStsMode mode) {
        MtaStsPolicy policy = new MtaStsPolicy("sts.test", "20261207", mode, List.of("mx.sts.test", "other.sts.test",
                "bare.sts.test"), Duration.ofDays(7), Instant.now());
        mtaSts = new MtaStsPolicies() {
            @Override
            public CompletionStage<Optional<MtaStsPolicy>> policy(String domain) {
                return CompletableFuture.completedFuture(domain.equals("sts.test") ? Optional.of(policy) : Optional.empty());
            }

            @Override
            public Optional<MtaStsPolicy> cached(String domain) {
                return domain.equals("sts.test") ? Optional.of(policy) : Optional.empty();
            }
        };
    }

    @Test
    void mtaStsEnforceDeliversToAnAllowedHostWithAValidCertificate() {
        policy(MtaStsMode.ENFORCE);
        RecipientOutcome out = deliverSts("stsgood", "mx");
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertEquals(TlsPolicyType.STS, recorded.get(0).policyType());
        assertTrue(recorded.get(0).successful());
        assertTrue(recorded.get(0).policyStrings().contains("mode: enforce"), recorded.get(0).toString());
    }

    @Test
    void mtaStsEnforceRefusesACertificateForAnotherNameAndAStrippedStartTls() {
        policy(MtaStsMode.ENFORCE);
        assertDeferred(deliverSts("stsother", "other"), "stsother", "TLS handshake failed (mta-sts-enforce)");
        assertEquals(TlsFailureType.CERTIFICATE_HOST_MISMATCH, recorded.get(0).failure());
        assertDeferred(deliverSts("stsbare", "bare"), "stsbare", "STARTTLS not offered");
        assertEquals(TlsFailureType.STARTTLS_NOT_SUPPORTED, recorded.get(1).failure());
    }

    @Test
    void mtaStsEnforceSkipsAnMxHostThePolicyDoesNotName() {
        policy(MtaStsMode.ENFORCE);
        RecipientOutcome out = deliverSts("stsrogue", "rogue");
        assertEquals(Outcome.DEFERRED, out.outcome());
        assertEquals("4.7.5", out.reply().enhancedStatus());
        assertTrue(out.reply().text().contains("not in the policy's mx"), out.reply().text());
        assertEquals(0, peers.get("stsrogue").connections.get());
    }

    @Test
    void mtaStsTestingDeliversDespiteAFailureAndRecordsIt() {
        policy(MtaStsMode.TESTING);
        RecipientOutcome out = deliverSts("stsbare", "bare");
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertEquals(TlsPolicyType.STS, recorded.get(0).policyType());
        assertEquals(TlsFailureType.STARTTLS_NOT_SUPPORTED, recorded.get(0).failure());
    }

    @Test
    void daneWinsOverMtaSts() {
        policy(MtaStsMode.ENFORCE); // for sts.test only; secure.test has TLSA, so DANE decides regardless
        mtaSts = new MtaStsPolicies() {
            @Override
            public CompletionStage<Optional<MtaStsPolicy>> policy(String domain) {
                throw new AssertionError("MTA-STS asked although DANE applies (RFC 8461 §2)");
            }

            @Override
            public Optional<MtaStsPolicy> cached(String domain) {
                return Optional.empty();
            }
        };
        assertEquals(Outcome.DELIVERED, deliver("mx", "secure.test", TlsPolicy.DANE, Map.of()).outcome());
        assertEquals(TlsPolicyType.TLSA, recorded.get(0).policyType());
    }

    /** RFC 8689 §4.2.1: DANE authenticates the MX host (its MX answer is signed), so REQUIRETLS mail may go there. */
    @Test
    void requireTlsGoesOverDaneAndIsPassedOn() {
        RecipientOutcome out = deliver("mx", "secure.test", TlsPolicy.DANE, Map.of(Envelope.REQUIRETLS, ""));
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
        assertTrue(peers.get("mx").commands.stream().anyMatch(c -> c.startsWith("MAIL FROM:<s@c.test>") && c.endsWith(" REQUIRETLS")),
                peers.get("mx").commands.toString());
    }

    /** Under dane without TLSA (nor MTA-STS) the host is opportunistic: no REQUIRETLS mail, and no retry either. */
    @Test
    void requireTlsWithoutDaneOrMtaStsFails5710() {
        long mails = peers.get("notlsa").count("MAIL");
        RecipientOutcome out = deliver("notlsa", "secure.test", TlsPolicy.DANE, Map.of(Envelope.REQUIRETLS, ""));
        assertEquals(Outcome.FAILED, out.outcome(), out.toString());
        assertEquals("5.7.10", out.reply().enhancedStatus(), out.toString());
        assertEquals(mails, peers.get("notlsa").count("MAIL"), "nothing sent");
    }

    /** RFC 8689 §4.2.1 step 2: under verify, an MX host of a signed MX answer whose certificate verifies takes REQUIRETLS mail. */
    @Test
    void requireTlsUnderVerifyGoesToAHostOfASignedMxAnswer() {
        RecipientOutcome out = deliver("ta", "secure.test", TlsPolicy.VERIFY, Map.of(Envelope.REQUIRETLS, ""));
        assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
    }

    /**
     * RFC 8689 §4.2.1 step 2: the MX answer of sts.test is not signed, so under verify its host's name is validated only
     * by an MTA-STS enforce policy naming it; the certificate (valid for mx.sts.test) alone is not enough.
     */
    @Test
    void requireTlsUnderVerifyNeedsASignedMxAnswerOrAnMtaStsPolicy() {
        long mails = peers.get("stsgood").count("MAIL");
        RecipientOutcome refused = deliverRequireTls("stsgood", "mx");
        assertEquals(Outcome.FAILED, refused.outcome(), refused.toString());
        assertEquals("5.7.10", refused.reply().enhancedStatus(), refused.toString());
        assertTrue(refused.reply().text().contains("not DNSSEC-signed"), refused.reply().text());
        assertEquals(mails, peers.get("stsgood").count("MAIL"), "nothing sent");
        policy(MtaStsMode.ENFORCE);
        RecipientOutcome named = deliverRequireTls("stsgood", "mx");
        assertEquals(Outcome.DELIVERED, named.outcome(), named.toString());
    }

    private RecipientOutcome deliverRequireTls(String peerName, String host) {
        ScriptedServer peer = peers.get(peerName);
        NextHop hop = new NextHop(host + ".sts.test", peer.port(), List.of(peer.address()));
        return delivery.deliver(request(MESSAGE, List.of(hop), new TransportOptions(TlsPolicy.VERIFY, null, null, true),
                Map.of(Envelope.REQUIRETLS, ""), List.of(rcpt("a@sts.test")))).get(0);
    }

    private RecipientOutcome deliverSts(String peerName, String host) {
        ScriptedServer peer = peers.get(peerName);
        NextHop hop = new NextHop(host + ".sts.test", peer.port(), List.of(peer.address()));
        return delivery.deliver(request(MESSAGE, List.of(hop), new TransportOptions(TlsPolicy.DANE, null, null, true), Map.of(),
                List.of(rcpt("a@sts.test")))).get(0);
    }

    private void assertDeferred(RecipientOutcome out, String host, String why) {
        assertEquals(Outcome.DEFERRED, out.outcome(), out.toString());
        assertEquals("4.7.5", out.reply().enhancedStatus(), out.toString());
        assertTrue(out.reply().text().contains(why), out.reply().text());
        assertEquals(0, peers.get(host).count("MAIL"), "nothing sent to " + host);
    }

    private RecipientOutcome deliver(String host, String domain, TlsPolicy tls, Map<String, String> mailParameters) {
        ScriptedServer peer = peers.get(host);
        String name = host.equals("plain") || host.equals("bogus") ? "mx." + domain : host + "." + domain;
        NextHop hop = new NextHop(name, peer.port(), List.of(peer.address()));
        return delivery.deliver(request(MESSAGE, List.of(hop), new TransportOptions(tls, null, null, true), mailParameters,
                List.of(rcpt("a@" + domain)))).get(0);
    }
}
