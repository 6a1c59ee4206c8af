package org.carrier.filter.dkim.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.Dkimpy;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The outbound signer signs what the transport sends, and the filter verifies it in another session, keys in a real nsd. */
class SignAndVerifyTest {
    private static final String MESSAGE = """
            From: Alice <alice@sign.test>
            To: bob@example.net
            Subject: round trip
            Date: Tue, 24 Nov 2026 05:00:00 +0000
            Message-ID: <1@sign.test>

            Hello Bob,
              two  spaces   here\t
            and trailing empty lines follow


            """;
    private static final SessionInfo SUBMISSION = session(true);
    private static final SessionInfo INBOUND = session(false);
    private static final Envelope ENVELOPE = Envelope.from(MailAddress.parse("alice@sign.test"), Map.of());

    @TempDir
    static Path keys;
    private static NsdServer nsd;
    private static DnsResolver resolver;
    /** The key records as published, for the independent verifier. */
    private static final Map<String, String> RECORDS = new HashMap<>();

    @BeforeAll
    static void keysAndDns() throws Exception {
        KeyPair rsa = generate("RSA", 2048);
        KeyPair ed = generate("Ed25519", 0);
        write("rsa.pem", rsa);
        write("ed.pem", ed);
        // RFC 8410 §7: the last 32 bytes of an Ed25519 PKCS#8 key are its seed, the form dkimpy reads.
        byte[] edPkcs8 = ed.getPrivate().getEncoded();
        Files.writeString(keys.resolve("ed.seed"),
                Base64.getEncoder().encodeToString(Arrays.copyOfRange(edPkcs8, edPkcs8.length - 32, edPkcs8.length)));
        byte[] edSpki = ed.getPublic().getEncoded();
        String edRaw = Base64.getEncoder().encodeToString(Arrays.copyOfRange(edSpki, edSpki.length - 32, edSpki.length));
        RECORDS.put("rsa._domainkey.sign.test", "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded()));
        RECORDS.put("ed._domainkey.sign.test", "v=DKIM1; k=ed25519; p=" + edRaw);
        RECORDS.put("other._domainkey.sign.test", "v=DKIM1; k=ed25519; p=" + edRaw);
        StringBuilder zone = new StringBuilder();
        RECORDS.forEach((name, value) -> zone.append(name, 0, name.length() - ".sign.test".length())
                .append(" TXT ").append(NsdServer.txt(value)).append('\n'));
        nsd = NsdServer.start(Map.of("sign.test", zone.toString()), 60);
        resolver = CarrierResolver.of(Map.of("servers", nsd.server()));
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    private static KeyPair generate(String type, int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
        if (bits > 0) {
            generator.initialize(bits);
        }
        return generator.generateKeyPair();
    }

    private static void write(String name, KeyPair pair) throws Exception {
        Files.writeString(keys.resolve(name), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static SessionInfo session(boolean relay) {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 2525);
        return new SessionInfo("s1", "test", any, any, "client.test", true, null, relay ? "alice" : null, relay);
    }

    private static DkimFilter filter(Map<String, Object> settings) {
        return dkim(settings).filter();
    }

    /** The verifying filter and the outbound signer, both with the one configuration (one PID, as in config/). */
    record Dkim(DkimFilter filter, DkimOutboundSigner signer) {
    }

    private static Dkim dkim(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("signingKeys", new String[] {"sign.test:rsa:rsa.pem"}));
        all.putAll(settings);
        return new Dkim(new DkimFilter(resolver, keys, Clock.systemUTC(), AnnotationConfig.of(DkimFilter.Config.class, all)),
                new DkimOutboundSigner(keys, Clock.systemUTC(), AnnotationConfig.of(DkimFilter.Config.class, all), all));
    }

    /** The message with the signer's fields on top, as the SMTP transport sends it; exactly one signature. */
    private static TestMessage signed(Dkim dkim, TestMessage message) {
        List<HeaderField> fields = signatures(dkim.signer(), TestOutbound.submitted(message));
        assertEquals(1, fields.size(), "one DKIM-Signature added");
        return withOnTop(fields, message);
    }

    private static TestMessage withOnTop(List<HeaderField> fields, TestMessage message) {
        TestMessage signed = message;
        for (int i = fields.size() - 1; i >= 0; i--) {
            assertEquals("DKIM-Signature", fields.get(i).name());
            signed = signed.withFieldOnTop(fields.get(i).name(), fields.get(i).value());
        }
        return signed;
    }

    private static List<HeaderField> signatures(DkimOutboundSigner signer, TestOutbound message) {
        try {
            OutboundResult result = signer.filter(message);
            assertEquals(null, result.reversePath());
            assertEquals(null, result.deferral());
            return result.prepended();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String verdict(Dkim dkim, TestMessage message) {
        return verdict(dkim.filter(), message);
    }

    private static String verdict(DkimFilter filter, TestMessage message) {
        FilterResult result = filter.data(INBOUND, ENVELOPE, message, new TransactionState());
        return result.authResults().get(0).result();
    }

    @ParameterizedTest
    @CsvSource({"rsa, relaxed/relaxed", "rsa, simple/simple", "ed, relaxed/relaxed", "ed, simple/simple",
        "rsa, relaxed/simple", "ed, simple/relaxed"})
    void aSignedMessageVerifiesAndTamperingBreaksIt(String selector, String canonicalization) {
        Dkim filter = dkim(Map.of("signingKeys", new String[] {"sign.test:" + selector + ":" + selector + ".pem"},
                "canonicalization", canonicalization));
        TestMessage message = signed(filter, TestMessage.of(MESSAGE));
        String algorithm = selector.equals("rsa") ? "rsa-sha256" : "ed25519-sha256";
        assertTrue(message.text().replace("\r\n\t", " ").contains("a=" + algorithm + "; c=" + canonicalization + "; d=sign.test; s=" + selector + ";"), message.text());
        assertTrue(message.text().lines().allMatch(l -> l.length() <= 78), "folded lines:\n" + message.text());
        assertEquals("pass", verdict(filter, message), message.text());

        assertEquals("fail", verdict(filter, TestMessage.of(message.text().replace("round trip", "round trap"))), "header changed");
        assertEquals("fail", verdict(filter, TestMessage.of(message.text().replace("Hello Bob", "Hello Eve"))), "body changed");
        assertEquals("fail", verdict(filter, TestMessage.of(message.text().replace("To: bob", "From: mallory@evil.test\nTo: bob"))),
                "From added: over-signed");
    }

    /** dnsTimeoutMillis, and keyLookupTimeoutSeconds, its name (in seconds) before it was one name across the filters. */
    @ParameterizedTest
    @CsvSource({"dnsTimeoutMillis, 1000", "keyLookupTimeoutSeconds, 1"})
    void aKeyServerThatDoesNotAnswerIsTemperrorAfterTheFiltersDnsTimeout(String key, int value) throws Exception {
        TestMessage message = signed(dkim(Map.of()), TestMessage.of(MESSAGE));
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsResolver slow = CarrierResolver.of(Map.of("servers", "127.0.0.1:" + silent.getLocalPort(), "timeoutMillis", 6000,
                    "retries", 0));
            Map<String, Object> settings = Map.of(key, value);
            DkimFilter verifier = new DkimFilter(slow, keys, Clock.systemUTC(), AnnotationConfig.of(DkimFilter.Config.class, Map.of()));
            verifier.configure(AnnotationConfig.of(DkimFilter.Config.class, settings), settings);
            long start = System.nanoTime();
            assertEquals("temperror", verdict(verifier, message));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 4500, "the check took " + millis + " ms with a DNS timeout of 1 s (the resolver's: 6 s)");
        }
    }

    @ParameterizedTest
    @CsvSource({"rsa, relaxed/relaxed", "rsa, simple/simple", "ed, relaxed/relaxed", "ed, simple/simple"})
    void anIndependentVerifierAcceptsOurSignatures(String selector, String canonicalization) throws Exception {
        Dkim filter = dkim(Map.of("signingKeys", new String[] {"sign.test:" + selector + ":" + selector + ".pem"},
                "canonicalization", canonicalization));
        TestMessage message = signed(filter, TestMessage.of(MESSAGE));
        assertEquals("pass", Dkimpy.verify(keys, message.content(), RECORDS));
        assertEquals("fail", Dkimpy.verify(keys, TestMessage.of(message.text().replace("Hello", "Hi")).content(), RECORDS));
    }

    @ParameterizedTest
    @CsvSource({"rsa, rsa.pem, rsa-sha256, relaxed/relaxed", "rsa, rsa.pem, rsa-sha256, simple/simple",
        "ed, ed.seed, ed25519-sha256, relaxed/relaxed", "ed, ed.seed, ed25519-sha256, simple/relaxed"})
    void weVerifyAnIndependentSignersSignatures(String selector, String keyFile, String algorithm, String canonicalization)
            throws Exception {
        byte[] signed = Dkimpy.sign(keys, TestMessage.of(MESSAGE).content(), selector, "sign.test", keys.resolve(keyFile),
                algorithm, canonicalization);
        DkimFilter filter = filter(Map.of());
        FilterResult result = filter.data(INBOUND, ENVELOPE, new TestMessage(signed, List.of()), new TransactionState());
        assertEquals("pass", result.authResults().get(0).result(), result.authResults().toString());
        assertEquals(algorithm, result.authResults().get(0).property("header.a").orElseThrow());
    }

    @Test
    void relaxedSigningSurvivesWhiteSpaceAndTrailingLineChanges() {
        Dkim filter = dkim(Map.of());
        TestMessage message = signed(filter, TestMessage.of(MESSAGE));
        String reformatted = message.text().replace("Subject: round trip", "Subject:   round \t trip ")
                .replace("two  spaces", "two spaces") + "\r\n\r\n";
        assertEquals("pass", verdict(filter, TestMessage.of(reformatted)));
    }

    @Test
    void theConfiguredSigningDomainSignsForFromDomainsWithoutAKey() {
        // One comma-separated value, as a .cfg file gives it; the unreadable key of another domain does not matter.
        Dkim filter = dkim(Map.of("signingKeys", new String[] {"missing.test:x:nofile.pem, sign.test:other:ed.pem"},
                "signingDomain", "sign.test"));
        TestMessage message = signed(filter, TestMessage.of(MESSAGE.replace("alice@sign.test", "alice@customer.test")));
        assertTrue(message.text().replace("\r\n\t", " ").contains("d=sign.test; s=other;"), message.text());
        assertEquals("pass", verdict(filter, message));
        assertEquals(List.of(), signatures(dkim(Map.of()).signer(),
                TestOutbound.submitted(TestMessage.of(MESSAGE.replace("alice@sign.test", "alice@customer.test")))),
                "no key: not signed");
    }

    /**
     * An Internet client's mail with From: one of our domains is not ours to sign (RFC 6376 §1.2): no signature,
     * even with a key for that domain and the signing domain set.
     */
    @Test
    void mailFromElsewhereIsNotSignedWhateverItsFromSays() {
        Dkim dkim = dkim(Map.of("signingDomain", "sign.test"));
        assertEquals(List.of(), signatures(dkim.signer(), TestOutbound.fromElsewhere(TestMessage.of(MESSAGE))));
        assertEquals(List.of(), signatures(dkim.signer(), TestOutbound.fromElsewhere(
                TestMessage.of(MESSAGE.replace("alice@sign.test", "alice@customer.test")))));
    }

    /** The envelope's marks decide first: mail the signer will not sign costs no header parse on the outbound stage. */
    @Test
    void mailThatIsNotSignedIsNotParsed() {
        Dkim dkim = dkim(Map.of("signingDomain", "sign.test"));
        TestOutbound elsewhere = TestOutbound.fromElsewhere(TestMessage.of(MESSAGE));
        assertEquals(List.of(), signatures(dkim.signer(), elsewhere));
        TestOutbound withoutKeys = TestOutbound.submitted(TestMessage.of(MESSAGE));
        assertEquals(List.of(), signatures(dkim(Map.of("signingKeys", new String[0])).signer(), withoutKeys));
        assertEquals(0, elsewhere.headerReads().get() + withoutKeys.headerReads().get());
    }

    /** A forwarder signs forwarded mail with its own d= (the signing domain): not a claim on the author's domain. */
    @Test
    void forwardedMailFromElsewhereIsSignedWithTheSigningDomainOnly() {
        Dkim dkim = dkim(Map.of("signingKeys", new String[] {"sign.test:rsa:rsa.pem", "customer.test:ed:ed.pem"},
                "signingDomain", "sign.test"));
        TestMessage foreign = TestMessage.of(MESSAGE.replace("alice@sign.test", "carol@customer.test"));
        List<HeaderField> fields = signatures(dkim.signer(), TestOutbound.forwardedFromElsewhere(foreign, "carol@sign.test"));
        assertEquals(1, fields.size());
        assertTrue(fields.get(0).value().contains("d=sign.test; s=rsa;"), fields.get(0).value());
        assertEquals("pass", verdict(dkim, withOnTop(fields, foreign)));

        // From aligned with the signing domain: signing would vouch for an author nobody checked
        assertEquals(List.of(), signatures(dkim.signer(), TestOutbound.forwardedFromElsewhere(TestMessage.of(MESSAGE), "x@sign.test")));
        assertEquals(List.of(), signatures(dkim.signer(), TestOutbound.forwardedFromElsewhere(
                TestMessage.of(MESSAGE.replace("alice@sign.test", "alice@mail.sign.test")), "x@sign.test")));
        assertEquals(List.of(), signatures(dkim(Map.of()).signer(), TestOutbound.forwardedFromElsewhere(foreign, "x@sign.test")),
                "no signing domain: forwarded mail from elsewhere is not signed");
    }

    /** RFC 8463 §3: a domain with an RSA and an Ed25519 key gets both signatures; each verifies on its own. */
    @Test
    void everyKeyOfTheDomainSignsOnce() throws Exception {
        Dkim dkim = dkim(Map.of("signingKeys", new String[] {"sign.test:rsa:rsa.pem", "sign.test:ed:ed.pem"}));
        List<HeaderField> fields = signatures(dkim.signer(), TestOutbound.submitted(TestMessage.of(MESSAGE)));
        assertEquals(2, fields.size());
        assertTrue(fields.get(0).value().contains("a=rsa-sha256;"), fields.get(0).value());
        assertTrue(fields.get(1).value().replace("\r\n\t", " ").contains("a=ed25519-sha256;"), fields.get(1).value());
        TestMessage signed = withOnTop(fields, TestMessage.of(MESSAGE));
        FilterResult result = dkim.filter().data(INBOUND, ENVELOPE, signed, new TransactionState());
        assertEquals(List.of("pass", "pass"), result.authResults().stream().filter(r -> r.method().equals("dkim"))
                .map(r -> r.result()).toList(), "one dkim result each (the arc= result aside)");
        assertEquals("pass", Dkimpy.verify(keys, signed.content(), RECORDS));
        // each alone verifies too: dkimpy checks the first signature, so each goes on top once
        assertEquals("pass", Dkimpy.verify(keys, withOnTop(List.of(fields.get(1)), TestMessage.of(MESSAGE)).content(), RECORDS));
    }

    @Test
    void aRelayingClientsMailIsNeitherSignedNorVerifiedInTheSession() {
        DkimFilter filter = filter(Map.of());
        FilterResult result = filter.data(SUBMISSION, ENVELOPE, TestMessage.of(MESSAGE), new TransactionState());
        assertEquals(FilterAction.CONTINUE, result.action());
        assertEquals(List.of(), result.headers(), "signing is the outbound stage's");
        assertEquals(List.of(), result.authResults(), "nor is our own clients' mail verified as if it came from outside");
    }

    @Test
    void theFromDomainIsTheFirstAddressAsTheServerReadsIt() {
        // A comment may hold text that looks like an address; the address is what stands outside it (RFC 5322 §3.2.2).
        Dkim filter = dkim(Map.of("signingKeys", new String[] {"sign.test:rsa:rsa.pem", "customer.test:ed:ed.pem"}));
        TestMessage message = signed(filter, TestMessage.of(MESSAGE.replace("Alice <alice@sign.test>",
                "alice@customer.test (<ceo@sign.test>), other@sign.test")));
        assertTrue(message.text().replace("\r\n\t", " ").contains("d=customer.test; s=ed;"), message.text());
    }

    @Test
    void aBrokenKeyFileIsLoggedAndTheLastGoodKeyStays() throws Exception {
        Files.writeString(keys.resolve("broken.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Dkim dkim = dkim(Map.of());
        Map<String, Object> broken = Map.of("signingKeys", new String[] {"sign.test:rsa:broken.pem"});
        dkim.signer().configure(AnnotationConfig.of(DkimFilter.Config.class, broken), broken);
        TestMessage message = signed(dkim, TestMessage.of(MESSAGE));
        assertTrue(message.text().contains("s=rsa;"), "the last good key signs");
        assertEquals("pass", verdict(dkim, message));
    }

    /** The rule: a key that does not parse is logged, and that domain's mail still flows, unsigned. */
    @Test
    void aBrokenKeyFileWithoutAnEarlierKeyLeavesThatDomainsMailUnsigned() throws Exception {
        Files.writeString(keys.resolve("broken.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Dkim dkim = dkim(Map.of("signingKeys", new String[] {"sign.test:rsa:broken.pem", "customer.test:ed:ed.pem"}));
        assertEquals(List.of(), signatures(dkim.signer(), TestOutbound.submitted(TestMessage.of(MESSAGE))));
        assertEquals(1, signatures(dkim.signer(), TestOutbound.submitted(
                TestMessage.of(MESSAGE.replace("alice@sign.test", "alice@customer.test")))).size(), "the other domain signs");
    }

    /**
     * The filter and the signer share one PID: a bad verification value is the filter's to refuse (and log once);
     * the signer takes the change's signing keys all the same.
     */
    @Test
    void aBadVerificationSettingDoesNotStopANewSigningKey() {
        Dkim dkim = dkim(Map.of());
        Map<String, Object> change = new HashMap<>(Map.of("maxSignatures", "many",
                "signingKeys", new String[] {"sign.test:ed:ed.pem"}));
        dkim.signer().configure(AnnotationConfig.of(DkimFilter.Config.class, change), change);
        List<HeaderField> fields = signatures(dkim.signer(), TestOutbound.submitted(TestMessage.of(MESSAGE)));
        assertEquals(1, fields.size());
        assertTrue(fields.get(0).value().contains("s=ed;"), fields.get(0).value());
    }

    @Test
    void outcomesMapToTheConfiguredActions() {
        DkimFilter strict = filter(Map.of("failAction", PolicyAction.REJECT, "noneAction", PolicyAction.TAG));
        TestMessage tampered = TestMessage.of(signed(dkim(Map.of()), TestMessage.of(MESSAGE)).text().replace("Hello", "Hi"));
        FilterResult rejected = strict.data(INBOUND, ENVELOPE, tampered, new TransactionState());
        assertEquals(FilterAction.REJECT, rejected.action());
        assertEquals("550 5.7.20 No passing DKIM signature found", rejected.reply().toString());
        FilterResult unsigned = strict.data(INBOUND, ENVELOPE, TestMessage.of(MESSAGE), new TransactionState());
        assertEquals(FilterAction.CONTINUE, unsigned.action());
        assertEquals("X-Carrier-Policy: dkim=none", unsigned.headers().get(0).toString());
        assertEquals("dkim=none", unsigned.authResults().get(0).toString());
        FilterResult byDefault = filter(Map.of()).data(INBOUND, ENVELOPE, tampered, new TransactionState());
        assertEquals(FilterAction.CONTINUE, byDefault.action(), "DMARC decides by default");
        assertEquals("fail", byDefault.authResults().get(0).result());
    }

    @Test
    void aBadTagHeaderIsCaughtWhenConfiguredAndTheNameInForceKept() {
        DkimFilter tagging = filter(Map.of("noneAction", PolicyAction.TAG, "tagHeader", "X-Dkim"));
        tagging.configure(AnnotationConfig.of(DkimFilter.Config.class, new HashMap<>(Map.of("noneAction", PolicyAction.TAG,
                "tagHeader", "X-Dkim:", "signingKeys", new String[] {"sign.test:rsa:rsa.pem"}))), Map.of());
        FilterResult unsigned = tagging.data(INBOUND, ENVELOPE, TestMessage.of(MESSAGE), new TransactionState());
        assertEquals("X-Dkim: dkim=none", unsigned.headers().get(0).toString());
        FilterResult first = filter(Map.of("noneAction", PolicyAction.TAG, "tagHeader", "X Dkim")).data(INBOUND, ENVELOPE, TestMessage.of(MESSAGE), new TransactionState());
        assertEquals("X-Carrier-Policy: dkim=none", first.headers().get(0).toString(), "the default at first");
    }

    /** The list settings follow the one rule of ConfigLists: a space inside an element is a typo that refuses the change whole. */
    @Test
    void aSpaceInsideASignedHeaderNameRefusesTheChangeAndTheKeysInForceStay() {
        DkimOutboundSigner signer = dkim(Map.of("signedHeaders", new String[] {" from , ,subject,"})).signer();
        assertTrue(signatures(signer, TestOutbound.submitted(TestMessage.of(MESSAGE))).get(0).value()
                .contains("h=from:from:subject;"), "blank elements and the spaces around them are ignored");
        Map<String, Object> typo = new HashMap<>(Map.of("signingKeys", new String[0], "signedHeaders", new String[] {"from, sub ject"}));
        signer.configure(AnnotationConfig.of(DkimFilter.Config.class, typo), typo);
        List<HeaderField> stillSigned = signatures(signer, TestOutbound.submitted(TestMessage.of(MESSAGE)));
        assertEquals(1, stillSigned.size(), "the refused change removed no key");
        assertTrue(stillSigned.get(0).value().contains("h=from:from:subject;"), stillSigned.get(0).value());
    }

    @Test
    void aBodyLengthLimitIsHonouredAndNoted() throws Exception {
        // RFC 6376 §3.5 l=: only the first bytes of the body are signed; text added after them does not break it.
        SigningKey key = SigningKey.load("sign.test:rsa:rsa.pem", keys);
        TestMessage original = TestMessage.of(MESSAGE);
        String text = original.text();
        String body = text.substring(text.indexOf("\r\n\r\n") + 4);
        long length = 20;
        DkimCheck.BodyHash hash = new DkimCheck.BodyHash(Algorithm.RSA_SHA256, Canonicalization.SIMPLE, length);
        try (java.io.OutputStream sink = hash.sink()) {
            sink.write(body.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        String unsigned = "v=1; a=rsa-sha256; c=simple/simple; d=sign.test; s=rsa; l=" + length
                + "; h=from:subject; bh=" + Base64.getEncoder().encodeToString(hash.digest()) + "; b=";
        String headers = text.lines().filter(l -> l.startsWith("From:")).findFirst().get() + "\r\n"
                + text.lines().filter(l -> l.startsWith("Subject:")).findFirst().get() + "\r\n"
                + "DKIM-Signature: " + unsigned;
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initSign(key.key());
        rsa.update(headers.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        TestMessage signed = original.withFieldOnTop("DKIM-Signature", unsigned + Base64.getEncoder().encodeToString(rsa.sign()));

        DkimFilter filter = filter(Map.of());
        FilterResult appended = filter.data(INBOUND, ENVELOPE, TestMessage.of(signed.text() + "P.S. added later\r\n"), new TransactionState());
        assertEquals("dkim=pass reason=\"signed body length l=20\" header.d=sign.test header.s=rsa header.a=rsa-sha256",
                appended.authResults().get(0).toString().replaceAll(" header.b=.*", ""));
        assertEquals("fail", verdict(filter, TestMessage.of(signed.text().replace("Hello Bob", "Hello Eve"))),
                "a change inside the signed length");
    }

    @ParameterizedTest
    @CsvSource({"65537, true", "3, false"})
    void anRsaKeyWithoutItsCrtParametersSignsRsaSha256(long exponent, boolean completed) throws Exception {
        // PKCS#1 §3.2's first form (n and d only): rsa-sha256 all the same; with e = 65537 the CRT form is rebuilt,
        // which the JDK signs with at a third of the CPU.
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(new java.security.spec.RSAKeyGenParameterSpec(2048, java.math.BigInteger.valueOf(exponent)));
        KeyPair pair = generator.generateKeyPair();
        java.security.interfaces.RSAPrivateKey full = (java.security.interfaces.RSAPrivateKey) pair.getPrivate();
        java.security.PrivateKey bare = java.security.KeyFactory.getInstance("RSA").generatePrivate(
                new java.security.spec.RSAPrivateKeySpec(full.getModulus(), full.getPrivateExponent()));
        write("bare" + exponent + ".pem", new KeyPair(pair.getPublic(), bare));

        SigningKey key = SigningKey.load("sign.test:bare:bare" + exponent + ".pem", keys);
        assertEquals(Algorithm.RSA_SHA256, key.algorithm());
        assertEquals(completed, key.key() instanceof java.security.interfaces.RSAPrivateCrtKey, key.key().getClass().getName());
        Dkim dkim = dkim(Map.of("signingKeys", new String[] {"sign.test:bare:bare" + exponent + ".pem"}));
        TestMessage message = signed(dkim, TestMessage.of(MESSAGE));
        Map<String, String> records = Map.of("bare._domainkey.sign.test",
                "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
        assertEquals("pass", Dkimpy.verify(keys, message.content(), records));
    }

    @Test
    void rsaSha1AndShortKeysFailByDefault() throws Exception {
        // The Mail::DKIM corpus is rsa-sha1 with 512-bit keys: with default settings those signatures fail (RFC 8301).
        try (CorpusDns dns = CorpusDns.start(Map.of())) {
            List<Verification> results = new Verifier(dns.resolver(), new VerifierSettings(5, false, 1024, false,
                    CorpusDns.timeout())).verify(new java.io.ByteArrayInputStream(
                    CorpusDns.message("corpus/mail-dkim/corpus/good_rfc4871_3.txt")), java.time.Instant.now());
            assertEquals(Outcome.FAIL, results.get(0).outcome(), results.toString());
        }
    }
}
