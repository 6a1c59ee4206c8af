package org.carrier.filter.dkim.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.Dkimpy;
import org.carrier.testing.NsdServer;
import org.carrier.testing.dns.CarrierResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARC (RFC 8617) against dkimpy, the independent implementation: Carrier's seals on forwarded mail are accepted by
 * dkimpy's arc_verify, alone and on top of a set dkimpy's arc_sign made, and Carrier's verifier agrees with dkimpy on
 * the same messages, broken ones included. Keys are published by a real nsd.
 */
class ArcTest {
    /** This Carrier's name in Authentication-Results. */
    private static final String HOST = "mx.forward.test";
    private static final String MESSAGE = """
            From: Alice <alice@origin.test>
            To: team@forward.test
            Subject: forwarded twice
            Date: Mon, 07 Dec 2026 08:00:00 +0000
            Message-ID: <arc-1@origin.test>

            Hello team,
            this message passes a list and a forwarder.
            """;
    private static final SessionInfo INBOUND = new SessionInfo("s1", "test", new InetSocketAddress("127.0.0.1", 2525),
            new InetSocketAddress("127.0.0.1", 40000), "lists.test", true, null, null, false);
    private static final Envelope ENVELOPE = Envelope.from(MailAddress.parse("bounces@lists.test"), Map.of());

    @TempDir
    static Path work;
    private static NsdServer nsd;
    private static DnsResolver resolver;
    private static final Map<String, String> RECORDS = new HashMap<>();

    @BeforeAll
    static void keysAndDns() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair forwarder = rsa.generateKeyPair();
        KeyPair list = rsa.generateKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        write("forward.pem", forwarder);
        write("list.pem", list);
        write("ed.pem", ed);
        RECORDS.put("seal._domainkey.forward.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(forwarder.getPublic().getEncoded()));
        byte[] edSpki = ed.getPublic().getEncoded();
        RECORDS.put("ed._domainkey.forward.test", "v=DKIM1; k=ed25519; p="
                + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(edSpki, edSpki.length - 32, edSpki.length)));
        RECORDS.put("list._domainkey.lists.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(list.getPublic().getEncoded()));
        Map<String, String> zones = new HashMap<>();
        for (String domain : List.of("forward.test", "lists.test")) {
            zones.put(domain, RECORDS.entrySet().stream().filter(e -> e.getKey().endsWith("." + domain))
                    .map(e -> e.getKey().substring(0, e.getKey().length() - domain.length() - 1) + " TXT " + NsdServer.txt(e.getValue()))
                    .collect(Collectors.joining("\n", "", "\n")));
        }
        nsd = NsdServer.start(zones, 60);
        resolver = CarrierResolver.of(Map.of("servers", nsd.server()));
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    private static void write(String name, KeyPair pair) throws Exception {
        Files.writeString(work.resolve(name), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static DkimFilter filter(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("signingKeys", new String[] {"forward.test:seal:forward.pem"},
                "arcAuthservId", HOST));
        all.putAll(settings);
        return new DkimFilter(resolver, work, Clock.systemUTC(), AnnotationConfig.of(DkimFilter.Config.class, all));
    }

    private static byte[] crlf(String text) {
        return text.replaceAll("(?<!\r)\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.ISO_8859_1);
    }

    /** The message as it left lists.test: its own results, sealed by dkimpy's arc_sign as instance 1. */
    private static byte[] sealedByList() throws Exception {
        byte[] received = crlf("Authentication-Results: lists.test; spf=pass smtp.mailfrom=alice@origin.test\n" + MESSAGE);
        return Dkimpy.arcSign(work, received, "list", "lists.test", work.resolve("list.pem"), "lists.test");
    }

    /** Carrier's reception: the DKIM filter's results, written on top as the SMTP server's Authentication-Results field. */
    private static byte[] receivedHere(DkimFilter filter, byte[] message) {
        FilterResult result = filter.data(INBOUND, ENVELOPE, new TestMessage(message, List.of()), new TransactionState());
        assertEquals(FilterAction.CONTINUE, result.action(), "mail flows whatever the chain");
        String results = result.authResults().stream().map(AuthResult::toString).collect(Collectors.joining(";\r\n\t"));
        return crlf("Authentication-Results: " + HOST + ";\r\n\t" + results + "\n" + text(message));
    }

    private static AuthResult arc(DkimFilter filter, byte[] message) {
        return filter.data(INBOUND, ENVELOPE, new TestMessage(message, List.of()), new TransactionState()).authResults().stream()
                .filter(r -> r.method().equals("arc")).findFirst().orElseThrow();
    }

    private static byte[] sealed(DkimFilter filter, byte[] message) throws Exception {
        TestOutbound outbound = TestOutbound.forwardedBy("team@forward.test", message);
        OutboundResult result = filter.arcSealer().filter(outbound);
        assertEquals(List.of("ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"),
                result.prepended().stream().map(f -> f.name()).toList());
        return outbound.with(result);
    }

    @Test
    void aFirstSealOnForwardedMailIsAcceptedByDkimpy() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] received = receivedHere(filter, crlf(MESSAGE));
        assertTrue(text(received).contains("arc=none"), text(received));
        byte[] forwarded = sealed(filter, received);
        String top = text(forwarded).replace("\r\n\t", " ");
        assertTrue(top.startsWith("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=forward.test; s=seal;"), top);
        assertTrue(top.contains("ARC-Authentication-Results: i=1; " + HOST + "; dkim=none; arc=none"), top);
        assertEquals("pass", Dkimpy.arcVerify(work, forwarded, RECORDS));
        assertEquals("pass", arc(filter, forwarded).result(), "Carrier agrees");
        byte[] tampered = crlf(text(forwarded).replace("Hello team", "Hello Eve"));
        assertEquals("fail", Dkimpy.arcVerify(work, tampered, RECORDS));
        assertEquals("fail", arc(filter, tampered).result(), "Carrier agrees");
    }

    /** The ARC-Seal covers the ARC-Authentication-Results: a verdict rewritten after sealing breaks the chain. */
    @Test
    void aChangedArcAuthenticationResultsBreaksTheSealInBoth() throws Exception {
        String text = text(sealedByList());
        assertTrue(text.contains("spf=pass smtp.mailfrom=alice@origin.test"), text);
        byte[] rewritten = crlf(text.replaceFirst("(ARC-Authentication-Results: i=1;[^\r\n]*)spf=pass", "$1spf=fail"));
        assertTrue(text(rewritten).contains("spf=fail"), text(rewritten));
        assertEquals("fail", Dkimpy.arcVerify(work, rewritten, RECORDS));
        AuthResult arc = arc(filter(Map.of()), rewritten);
        assertEquals("fail", arc.result());
        assertTrue(arc.reason().startsWith("ARC-Seal i=1"), arc.reason());
    }

    @Test
    void anEd25519KeySealsToo() throws Exception {
        DkimFilter filter = filter(Map.of("signingKeys", new String[] {"forward.test:ed:ed.pem"}));
        byte[] forwarded = sealed(filter, receivedHere(filter, crlf(MESSAGE)));
        assertTrue(text(forwarded).startsWith("ARC-Seal: i=1; cv=none; a=ed25519-sha256;"), text(forwarded));
        assertEquals("pass", arc(filter, forwarded).result(), arc(filter, forwarded).toString());
    }

    @Test
    void aChainOfTwoDkimpyAndCarrierVerifiesInBoth() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] fromList = sealedByList();
        assertEquals("pass", Dkimpy.arcVerify(work, fromList, RECORDS));
        AuthResult atReception = arc(filter, fromList);
        assertEquals("arc=pass header.d=lists.test header.s=list", atReception.toString(), "Carrier validates dkimpy's seal");

        byte[] forwarded = sealed(filter, receivedHere(filter, fromList));
        assertTrue(text(forwarded).startsWith("ARC-Seal: i=2; cv=pass;"), text(forwarded));
        assertEquals("pass", Dkimpy.arcVerify(work, forwarded, RECORDS), "dkimpy accepts Carrier's second set");
        assertEquals("arc=pass header.d=forward.test header.s=seal", arc(filter, forwarded).toString());
    }

    /** RFC 8617 §5.2 step 5: a field only the older message signature covers changed; the chain still passes. */
    @Test
    void anOlderMessageSignatureThatNoLongerValidatesIsTheOldestPass() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] received = crlf("Authentication-Results: lists.test; spf=pass smtp.mailfrom=alice@origin.test\nList-Id: <team.lists.test>\n" + MESSAGE);
        byte[] fromList = Dkimpy.arcSign(work, received, "list", "lists.test", work.resolve("list.pem"), "lists.test");
        byte[] forwarded = sealed(filter, receivedHere(filter, fromList));
        byte[] relabelled = crlf(text(forwarded).replace("List-Id: <team.lists.test>", "List-Id: <renamed.lists.test>"));
        assertEquals("arc=pass header.oldest-pass=2 header.d=forward.test header.s=seal", arc(filter, relabelled).toString());
        assertEquals("pass", Dkimpy.arcVerify(work, relabelled, RECORDS), "dkimpy checks the latest message signature only");
    }

    @Test
    void aBodyChangedAfterSealingFailsInBoth() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] changed = crlf(text(sealedByList()).replace("passes a list", "passes a spammer"));
        assertEquals("fail", Dkimpy.arcVerify(work, changed, RECORDS));
        AuthResult arc = arc(filter, changed);
        assertEquals("fail", arc.result());
        assertEquals("ARC-Message-Signature i=1: body hash did not verify", arc.reason());
    }

    @Test
    void aSetWithAMissingInstanceFailsInBothAndMailStillFlows() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] twoSets = sealed(filter, receivedHere(filter, sealedByList()));
        String text = text(twoSets);
        // ARC-Seal i=2 stays, its ARC-Message-Signature i=2 (the second field, folded) goes
        int start = text.indexOf("ARC-Message-Signature: i=2;");
        int end = text.indexOf("\r\nARC-Authentication-Results: i=2;");
        byte[] missing = crlf(text.substring(0, start) + text.substring(end + 2));
        assertEquals("fail", Dkimpy.arcVerify(work, missing, RECORDS));
        AuthResult arc = arc(filter, missing);
        assertEquals("fail", arc.result());
        assertEquals("instance i=2 of forward.test has no ARC-Message-Signature", arc.reason(), "the domain whose set is incomplete");
        byte[] gap = crlf(text.replaceAll("(?m)(?<=^ARC-[A-Za-z-]{1,30}: i=)2;", "3;"));
        assertEquals("fail", Dkimpy.arcVerify(work, gap, RECORDS));
        assertEquals("instance i=2 of forward.test has no ARC-Authentication-Results", arc(filter, gap).reason(),
                "a gap names the latest set's domain");
    }

    @Test
    void aMessageWithoutArcIsNoneInBoth() throws Exception {
        assertEquals("none", Dkimpy.arcVerify(work, crlf(MESSAGE), RECORDS));
        assertEquals("arc=none", arc(filter(Map.of()), crlf(MESSAGE)).toString());
    }

    @Test
    void aFailedChainIsSealedWithCvFailAndThenNeverExtended() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] changed = crlf(text(sealedByList()).replace("passes a list", "passes a spammer"));
        byte[] forwarded = sealed(filter, receivedHere(filter, changed));
        assertTrue(text(forwarded).startsWith("ARC-Seal: i=2; cv=fail;"), text(forwarded));
        assertEquals("ended", Dkimpy.arcVerify(work, forwarded, RECORDS), "dkimpy reads the chain as ended");
        assertTrue(arc(filter, forwarded).reason().contains("cv=fail"));

        OutboundResult again = filter.arcSealer().filter(TestOutbound.forwardedBy("team@forward.test", receivedHere(filter, forwarded)));
        assertTrue(again.prepended().isEmpty(), "RFC 8617 §5.1: no set on top of cv=fail");
    }

    @Test
    void onlyForwardedMailIsSealedAndOnlyWithAKey() throws Exception {
        DkimFilter filter = filter(Map.of());
        byte[] received = receivedHere(filter, crlf(MESSAGE));
        assertTrue(filter.arcSealer().filter(TestOutbound.fromElsewhere(received)).prepended().isEmpty(), "not forwarded");
        assertTrue(filter(Map.of("arcSeal", false)).arcSealer().filter(TestOutbound.forwardedBy("team@forward.test", received))
                .prepended().isEmpty(), "arcSeal = false");
        assertTrue(filter(Map.of("signingKeys", new String[0])).arcSealer()
                .filter(TestOutbound.forwardedBy("team@forward.test", received)).prepended().isEmpty(), "no key");
        DkimFilter bySigningDomain = filter(Map.of("signingDomain", "forward.test"));
        assertTrue(text(sealed(bySigningDomain, receivedHere(filter, crlf(MESSAGE).clone())))
                .contains("d=forward.test"), "an alias of a domain without a key: the signing domain's key");
    }

    @Test
    void arcVerifyOffReportsNoArcResult() {
        FilterResult result = filter(Map.of("arcVerify", false)).data(INBOUND, ENVELOPE, new TestMessage(crlf(MESSAGE), List.of()),
                new TransactionState());
        assertFalse(result.authResults().stream().anyMatch(r -> r.method().equals("arc")), result.authResults().toString());
    }
}
