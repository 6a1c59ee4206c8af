package org.carrier.filter.spf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.api.dns.DnsResolver;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.WireDnsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** The filter's stages and policy against the real resolver and a DNS server on loopback. */
class SpfFilterTest {
    private static final String CLIENT = "192.0.2.10";
    private static WireDnsServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = WireDnsServer.start();
        server.serve(new WireDnsServer.Zone()
                .add(spf("pass.test", "v=spf1 ip4:192.0.2.0/24 -all"))
                .add(spf("fail.test", "v=spf1 -all exp=why.fail.test"))
                .add(spf("why.fail.test", "%{c} may not send for %{d}, ask %{r}"))
                .add(spf("soft.test", "v=spf1 ~all"))
                .add(spf("neutral.test", "v=spf1 ?all"))
                .add(spf("long.test", "v=spf1 a:" + "y".repeat(900) + "% -all"))
                .add(spf("longexp.test", "v=spf1 -all exp=why.longexp.test"))
                .add(spf("why.longexp.test", "x".repeat(1000)))
                .add(spf("broken.test", "v=spf1 ip4:192.0.2.300 -all"))
                .add(spf("slow.test", "v=spf1 a:silent.test -all"))
                .add(spf("client.test", "v=spf1 ip4:192.0.2.10 -all"))
                .add(spf("forged.test", "v=spf1 -all"))
                .timeout(Name.fromString("silent.test.")));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void passAddsReceivedSpfAndReportsTheMailFromIdentity() throws Exception {
        FilterResult r = filter(Map.of()).mailFrom(session("client.test", false), from("alice@pass.test"), new TransactionState());
        assertEquals(FilterAction.CONTINUE, r.action());
        assertEquals(List.of(new HeaderField("Received-SPF", "pass (mx.test: domain of alice@pass.test designates 192.0.2.10 as"
                + " permitted sender)\r\n\tclient-ip=192.0.2.10; envelope-from=\"alice@pass.test\"; helo=client.test;"
                + "\r\n\treceiver=mx.test; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";")), r.headers());
        assertEquals(List.of(AuthResult.of("spf", "pass", "smtp.mailfrom=alice@pass.test")), r.authResults());
    }

    @Test
    void failIsRefusedWithTheDomainsExplanationAndRfc7372Code() throws Exception {
        FilterResult r = filter(Map.of()).mailFrom(session("client.test", false), from("bob@fail.test"), new TransactionState());
        assertEquals(FilterAction.REJECT, r.action());
        assertEquals(550, r.reply().code());
        assertEquals("5.7.23", r.reply().enhancedStatus());
        assertEquals("SPF fail: 192.0.2.10 may not send for fail.test, ask mx.test", r.reply().text());
    }

    @Test
    void failWithoutExplanationUsesTheDefault() throws Exception {
        FilterResult r = filter(Map.of()).mailFrom(session("client.test", false), from("eve@forged.test"), new TransactionState());
        assertEquals("SPF fail: 192.0.2.10 is not allowed to send mail for forged.test", r.reply().text());
    }

    @Test
    void softfailIsAcceptedByDefaultAndTaggedWhenConfigured() throws Exception {
        FilterResult accepted = filter(Map.of()).mailFrom(session("client.test", false), from("x@soft.test"), new TransactionState());
        assertEquals(FilterAction.CONTINUE, accepted.action());
        assertTrue(accepted.headers().get(0).value().startsWith("softfail (mx.test: domain of transitioning x@soft.test"));
        assertTrue(accepted.headers().get(0).value().endsWith("mechanism=all;"), "the mechanism without its qualifier ~");
        FilterResult tagged = filter(Map.of("softfailAction", PolicyAction.TAG)).mailFrom(session("client.test", false), from("x@soft.test"), new TransactionState());
        assertEquals(new HeaderField("X-Carrier-Policy", "spf=softfail"), tagged.headers().get(0));
        assertEquals("Received-SPF", tagged.headers().get(1).name());
        FilterResult held = filter(Map.of("softfailAction", PolicyAction.HOLD)).mailFrom(session("client.test", false), from("x@soft.test"), new TransactionState());
        assertEquals(FilterAction.HOLD, held.action());
    }

    @Test
    void neutralNoneAndPassFollowTheirOwnSettings() throws Exception {
        SpfFilter filter = filter(Map.of("neutralAction", PolicyAction.TAG, "noneAction", PolicyAction.REJECT,
                "passAction", PolicyAction.HOLD));
        FilterResult neutral = filter.mailFrom(session("client.test", false), from("x@neutral.test"), new TransactionState());
        assertEquals(new HeaderField("X-Carrier-Policy", "spf=neutral"), neutral.headers().get(0));
        assertEquals(List.of(AuthResult.of("spf", "neutral", "smtp.mailfrom=x@neutral.test")), neutral.authResults());
        FilterResult none = filter.mailFrom(session("client.test", false), from("x@no-record.test"), new TransactionState());
        assertEquals(FilterAction.REJECT, none.action());
        assertEquals("550 5.7.23 SPF none for no-record.test", none.reply().toString());
        assertEquals(FilterAction.HOLD, filter.mailFrom(session("client.test", false), from("x@pass.test"), new TransactionState()).action());
    }

    /** dnsTimeoutMillis, and lookupTimeoutMillis, its name before it was one name across the filters (still read). */
    @ParameterizedTest
    @ValueSource(strings = {"dnsTimeoutMillis", "lookupTimeoutMillis"})
    void temperrorIsATemporaryRefusal(String timeoutKey) throws Exception {
        // The filter's own lookup timeout (300 ms) ends the wait before the resolver's (1.5 s).
        SpfFilter filter = filter(Map.of(timeoutKey, 300));
        long start = System.nanoTime();
        FilterResult r = filter.mailFrom(session("client.test", false), from("x@slow.test"), new TransactionState());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 1400, "the check took " + millis + " ms with a lookup timeout of 300 ms");
        assertEquals(FilterAction.TEMPFAIL, r.action());
        assertEquals(451, r.reply().code());
        assertEquals("4.7.24", r.reply().enhancedStatus());
    }

    @Test
    void permerrorIsAcceptedWithItsProblemByDefaultOrRefusedWhenConfigured() throws Exception {
        FilterResult accepted = filter(Map.of()).mailFrom(session("client.test", false), from("x@broken.test"), new TransactionState());
        assertEquals(FilterAction.CONTINUE, accepted.action());
        String received = accepted.headers().get(0).value();
        assertTrue(received.startsWith("permerror (mx.test: permanent error in processing domain of x@broken.test: invalid IPv4 network"), received);
        assertTrue(received.endsWith("problem=\"invalid IPv4 network: ip4:192.0.2.300\";"), received);
        assertEquals(List.of(AuthResult.of("spf", "permerror", "smtp.mailfrom=x@broken.test")), accepted.authResults());
        FilterResult refused = filter(Map.of("permerrorAction", PolicyAction.REJECT)).mailFrom(session("client.test", false), from("x@broken.test"), new TransactionState());
        assertEquals(FilterAction.REJECT, refused.action());
        assertEquals("5.7.24", refused.reply().enhancedStatus());
    }

    @Test
    void longTextFromDnsIsCutSoThatLinesStayShort() throws Exception {
        FilterResult r = filter(Map.of()).mailFrom(session("client.test", false), from("x@long.test"), new TransactionState());
        for (String line : r.headers().get(0).value().split("\r\n")) {
            assertTrue(line.length() < 400, line);
        }
        FilterResult refused = filter(Map.of()).mailFrom(session("client.test", false), from("x@longexp.test"), new TransactionState());
        assertTrue(refused.reply().text().length() < 420, refused.reply().text());
        assertTrue(refused.reply().text().startsWith("SPF fail: " + "x".repeat(300)), refused.reply().text());
    }

    @Test
    void relayClientsAreNotCheckedUnlessConfigured() throws Exception {
        FilterResult skipped = filter(Map.of()).mailFrom(session("client.test", true), from("bob@fail.test"), new TransactionState());
        assertEquals(FilterResult.proceed(), skipped);
        FilterResult checked = filter(Map.of("checkRelayClients", true)).mailFrom(session("client.test", true), from("bob@fail.test"), new TransactionState());
        assertEquals(FilterAction.REJECT, checked.action());
    }

    @Test
    void clientsInTheSkipNetworksAreNotChecked() throws Exception {
        FilterResult r = filter(Map.of("skipNetworks", new String[] {"10.0.0.0/8, 192.0.2.0/28"}))
                .mailFrom(session("client.test", false), from("bob@fail.test"), new TransactionState());
        assertEquals(FilterResult.proceed(), r);
    }

    @Test
    void heloIsCheckedAtTheHeloStage() throws Exception {
        SpfFilter filter = filter(Map.of());
        assertEquals(FilterAction.REJECT, filter.helo(session("forged.test", false)).action());
        assertEquals(FilterResult.proceed(), filter.helo(session("client.test", false)));
        assertEquals(FilterResult.proceed(), filter(Map.of("checkHelo", false)).helo(session("forged.test", false)));
        // A softfail TAG cannot tag at HELO (no message yet): the HELO stage only refuses.
        assertEquals(FilterResult.proceed(), filter(Map.of("softfailAction", PolicyAction.TAG)).helo(session("soft.test", false)));
    }

    @Test
    void theNullSenderIsCheckedAsPostmasterAtTheHeloName() throws Exception {
        FilterResult r = filter(Map.of()).mailFrom(session("client.test", false), Envelope.from(MailAddress.nullSender(), Map.of()), new TransactionState());
        assertEquals(FilterAction.CONTINUE, r.action());
        assertEquals("pass (mx.test: domain of postmaster@client.test designates 192.0.2.10 as permitted sender)"
                + "\r\n\tclient-ip=192.0.2.10; envelope-from=\"postmaster@client.test\"; helo=client.test;\r\n\treceiver=mx.test;"
                + " identity=helo; mechanism=\"ip4:192.0.2.10\";", r.headers().get(0).value());
        assertEquals(List.of(AuthResult.of("spf", "pass", "smtp.helo=client.test")), r.authResults());
    }

    @Test
    void aConfigurationChangeTakesEffectOnTheNextCheck() throws Exception {
        SpfFilter filter = filter(Map.of());
        assertEquals(FilterAction.REJECT, filter.mailFrom(session("client.test", false), from("bob@fail.test"), new TransactionState()).action());
        filter.configure(config(Map.of("failAction", PolicyAction.TAG, "tagHeader", "X-Spam-Spf")), Map.of());
        FilterResult tagged = filter.mailFrom(session("client.test", false), from("bob@fail.test"), new TransactionState());
        assertEquals(FilterAction.CONTINUE, tagged.action());
        assertEquals(new HeaderField("X-Spam-Spf", "spf=fail"), tagged.headers().get(0));
    }

    @Test
    void anUnreadableSkipListKeepsThePreviousSettings() throws Exception {
        SpfFilter filter = filter(Map.of("skipNetworks", new String[] {"192.0.2.0/24"}));
        filter.configure(config(Map.of("skipNetworks", new String[] {"mail.example.org"}, "failAction", PolicyAction.TAG)), Map.of());
        assertEquals(FilterResult.proceed(), filter.mailFrom(session("client.test", false), from("bob@fail.test"), new TransactionState()));
    }

    private static SpfFilter filter(Map<String, Object> settings) {
        DnsResolver resolver = CarrierResolver.of(Map.of("servers", server.server(), "timeoutMillis", 1500, "retries", 0));
        SpfFilter filter = new SpfFilter(resolver);
        filter.configure(config(settings), settings);
        return filter;
    }

    private static SpfFilter.Config config(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("receiver", "mx.test"));
        all.putAll(settings);
        return AnnotationConfig.of(SpfFilter.Config.class, all);
    }

    private static SessionInfo session(String helo, boolean relayPermitted) throws Exception {
        return new SessionInfo("s1", "mx", new InetSocketAddress(InetAddress.getByName(CLIENT), 40000),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 25), helo, true, null, null, relayPermitted);
    }

    private static Envelope from(String address) {
        return Envelope.from(MailAddress.parse(address), Map.of());
    }

    private static org.xbill.DNS.Record spf(String name, String text) throws Exception {
        return WireDnsServer.text(Name.fromString(name + "."), Type.TXT, List.of(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
