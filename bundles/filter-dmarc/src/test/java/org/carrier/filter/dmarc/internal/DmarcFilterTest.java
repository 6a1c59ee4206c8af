package org.carrier.filter.dmarc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DMARC policy discovery, alignment and actions against a real nsd on loopback. */
class DmarcFilterTest {
    private static final Envelope ENVELOPE = Envelope.from(MailAddress.parse("bounce@example.net"), Map.of());
    private static final AuthResult NO_SPF = AuthResult.of("spf", "none", "smtp.mailfrom=example.net");

    private static NsdServer nsd;
    private static DnsResolver resolver;

    @BeforeAll
    static void startDns() throws Exception {
        nsd = NsdServer.start(Map.of(
                // Under a real public suffix (co.uk), so the organizational domain comes from the list.
                "example.co.uk", """
                        _dmarc TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.co.uk"
                        _dmarc.own TXT "v=DMARC1; p=none"
                        mail A 127.0.0.1
                        own A 127.0.0.1
                        _dmarc TXT "not a dmarc record"
                        """,
                "strict.test", "_dmarc TXT \"v=DMARC1; p=quarantine; adkim=s; aspf=s\"\nsub A 127.0.0.1",
                "pct0.test", "_dmarc TXT \"v=DMARC1; p=reject; pct=0\"",
                "pct50.test", "_dmarc TXT \"v=DMARC1; p=quarantine; pct=50\"",
                "pct100.test", "_dmarc TXT \"v=DMARC1; p=reject; pct=100\"",
                "nopolicy.test", "www A 127.0.0.1",
                "two.test", "_dmarc TXT \"v=DMARC1; p=reject\"\n_dmarc TXT \"v=DMARC1; p=none\"",
                "np.test", "_dmarc TXT \"v=DMARC1; p=none; sp=none; np=reject\"\nexists A 127.0.0.1",
                "broken.test", "this line is not a resource record"), 60);
        resolver = CarrierResolver.of(Map.of("servers", nsd.server(), "timeoutMillis", 1000, "retries", 0));
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    private static DmarcFilter filter(Map<String, Object> settings, int percentile) {
        return new DmarcFilter(resolver, () -> percentile, AnnotationConfig.of(DmarcFilter.Config.class, new HashMap<>(settings)), Map.of());
    }

    private static FilterResult run(DmarcFilter filter, String from, AuthResult... earlier) {
        return filter.data(session(false), ENVELOPE, message(List.of(new HeaderField("From", from)), earlier), new TransactionState());
    }

    private static FilterResult run(String from, AuthResult... earlier) {
        return run(filter(Map.of(), 50), from, earlier);
    }

    private static String dmarc(FilterResult result) {
        return result.authResults().stream().filter(r -> r.method().equals("dmarc")).findFirst().orElseThrow().toString();
    }

    @Test
    void theFromDomainsOwnPolicyRejects() {
        FilterResult result = run("Alice <alice@example.co.uk>", NO_SPF);
        assertEquals(FilterAction.REJECT, result.action());
        assertEquals("550 5.7.1 Unauthenticated email from example.co.uk is not accepted due to its domain's DMARC policy",
                result.reply().toString());
        assertEquals("dmarc=fail reason=\"p=reject\" header.from=example.co.uk", dmarc(result));
    }

    @Test
    void aSubdomainWithoutARecordUsesTheOrganizationalDomainsSubdomainPolicy() {
        FilterResult result = run("bob@mail.example.co.uk");
        assertEquals(FilterAction.HOLD, result.action(), "sp=quarantine, held by default");
        assertEquals("X-Carrier-Policy: dmarc=fail p=quarantine", result.headers().get(0).toString());
        assertEquals("dmarc=fail reason=\"p=quarantine\" header.from=mail.example.co.uk", dmarc(result));
    }

    @Test
    void aSubdomainWithItsOwnRecordUsesIt() {
        FilterResult result = run("carol@own.example.co.uk");
        assertEquals(FilterAction.CONTINUE, result.action());
        assertEquals("dmarc=fail reason=\"p=none\" header.from=own.example.co.uk", dmarc(result));
    }

    @Test
    void relaxedAlignmentAcceptsTheSameOrganizationalDomain() {
        assertEquals(FilterAction.CONTINUE, run("a@mail.example.co.uk", AuthResult.of("dkim", "pass", "header.d=example.co.uk")).action());
        assertEquals(FilterAction.CONTINUE, run("a@example.co.uk", AuthResult.of("spf", "pass", "smtp.mailfrom=b@bounces.example.co.uk")).action());
        assertEquals("dmarc=pass reason=\"p=reject\" header.from=example.co.uk",
                dmarc(run("a@example.co.uk", AuthResult.of("dkim", "pass", "header.d=EXAMPLE.co.uk"))));
    }

    @Test
    void onlyPassingAlignedIdentifiersCount() {
        assertEquals(FilterAction.REJECT, run("a@example.co.uk", AuthResult.of("dkim", "fail", "header.d=example.co.uk"),
                AuthResult.of("spf", "softfail", "smtp.mailfrom=example.co.uk")).action());
        assertEquals(FilterAction.REJECT, run("a@example.co.uk", AuthResult.of("dkim", "pass", "header.d=other.co.uk"),
                AuthResult.of("spf", "pass", "smtp.mailfrom=co.uk")).action(), "another organization, or the public suffix itself");
    }

    /** RFC 8617 §7.2: a trusted sealer's passing chain overrides a failed DMARC result; nothing else does. */
    @Test
    void aPassingArcChainOfATrustedSealerOverridesTheRejection() {
        AuthResult sealedByList = AuthResult.of("arc", "pass", "header.d=lists.test", "header.s=list");
        assertEquals(FilterAction.REJECT, run("a@example.co.uk", NO_SPF, sealedByList).action(), "no trusted sealers by default");
        DmarcFilter trusting = filter(Map.of("trustedArcSealers", new String[] {"other.test, Lists.Test."}), 50);
        FilterResult accepted = run(trusting, "a@example.co.uk", NO_SPF, sealedByList);
        assertEquals(FilterAction.CONTINUE, accepted.action());
        assertEquals("dmarc=fail reason=\"p=reject; override local_policy: arc=pass as.d=lists.test\" header.from=example.co.uk",
                dmarc(accepted));
        assertEquals(FilterAction.CONTINUE, run(trusting, "a@example.co.uk", NO_SPF,
                AuthResult.of("arc", "pass", "header.d=arc.lists.test")).action(), "a subdomain of a trusted sealer");
        assertEquals(FilterAction.REJECT, run(trusting, "a@example.co.uk", NO_SPF,
                AuthResult.of("arc", "fail", "header.d=lists.test")).action(), "a failed chain");
        assertEquals(FilterAction.REJECT, run(trusting, "a@example.co.uk", NO_SPF,
                AuthResult.of("arc", "pass", "header.d=evillists.test")).action(), "another sealer");
        assertEquals(FilterAction.REJECT, run(trusting, "a@example.co.uk", NO_SPF, AuthResult.of("arc", "none")).action());
        assertEquals("dmarc=fail reason=\"p=none\" header.from=own.example.co.uk",
                dmarc(run(trusting, "a@own.example.co.uk", NO_SPF, sealedByList)), "p=none: nothing to override");
    }

    @Test
    void strictAlignmentNeedsTheExactDomain() {
        assertEquals(FilterAction.HOLD, run("a@sub.strict.test", AuthResult.of("dkim", "pass", "header.d=strict.test"),
                AuthResult.of("spf", "pass", "smtp.mailfrom=strict.test")).action());
        assertEquals(FilterAction.CONTINUE, run("a@strict.test", AuthResult.of("dkim", "pass", "header.d=strict.test")).action());
        assertEquals(FilterAction.CONTINUE, run("a@strict.test", AuthResult.of("spf", "pass", "smtp.helo=strict.test")).action());
    }

    @Test
    void pctSamplesThePolicy() {
        assertEquals(FilterAction.HOLD, run(filter(Map.of(), 0), "a@pct0.test").action(), "pct=0: reject becomes quarantine");
        assertEquals(FilterAction.REJECT, run(filter(Map.of(), 99), "a@pct100.test").action());
        assertEquals(FilterAction.HOLD, run(filter(Map.of(), 49), "a@pct50.test").action(), "drawn inside the 50 %");
        assertEquals(FilterAction.CONTINUE, run(filter(Map.of(), 50), "a@pct50.test").action(), "outside: quarantine becomes none");
    }

    @Test
    void eachPolicyMapsToItsConfiguredAction() {
        DmarcFilter custom = filter(Map.of("rejectAction", PolicyAction.TEMPFAIL, "quarantineAction", PolicyAction.TAG,
                "noneAction", PolicyAction.HOLD), 0);
        FilterResult reject = run(custom, "a@example.co.uk");
        assertEquals(FilterAction.TEMPFAIL, reject.action());
        assertEquals(451, reject.reply().code());
        assertEquals("4.7.1", reject.reply().enhancedStatus());
        FilterResult quarantine = run(custom, "a@mail.example.co.uk");
        assertEquals(FilterAction.CONTINUE, quarantine.action());
        assertEquals("X-Carrier-Policy: dmarc=fail p=quarantine", quarantine.headers().get(0).toString());
        assertEquals(FilterAction.HOLD, run(custom, "a@own.example.co.uk").action());
    }

    @Test
    void aBadTagHeaderIsCaughtWhenConfiguredAndTheNameInForceKept() {
        DmarcFilter tagging = filter(Map.of("quarantineAction", PolicyAction.TAG, "tagHeader", "X-Dmarc"), 0);
        tagging.configure(AnnotationConfig.of(DmarcFilter.Config.class,
                new HashMap<>(Map.of("quarantineAction", PolicyAction.TAG, "tagHeader", "X Dmarc"))), Map.of());
        FilterResult quarantine = run(tagging, "a@mail.example.co.uk");
        assertEquals("X-Dmarc: dmarc=fail p=quarantine", quarantine.headers().get(0).toString());
        FilterResult first = run(filter(Map.of("quarantineAction", PolicyAction.TAG, "tagHeader", "X Dmarc"), 0), "a@mail.example.co.uk");
        assertEquals("X-Carrier-Policy: dmarc=fail p=quarantine", first.headers().get(0).toString(), "the default at first");
    }

    @Test
    void reportOnlyNeverActs() {
        FilterResult result = run(filter(Map.of("reportOnly", true), 0), "a@example.co.uk");
        assertEquals(FilterAction.CONTINUE, result.action());
        assertTrue(result.headers().isEmpty());
        assertEquals("dmarc=fail reason=\"p=reject\" header.from=example.co.uk", dmarc(result));
    }

    @Test
    void aChangedConfigurationAppliesToTheNextMessage() {
        DmarcFilter filter = filter(Map.of(), 0);
        assertEquals(FilterAction.REJECT, run(filter, "a@example.co.uk").action());
        filter.configure(AnnotationConfig.of(DmarcFilter.Config.class, Map.of("reportOnly", true)), Map.of());
        assertEquals(FilterAction.CONTINUE, run(filter, "a@example.co.uk").action());
        filter.configure(AnnotationConfig.of(DmarcFilter.Config.class, Map.of("rejectAction", PolicyAction.HOLD)), Map.of());
        assertEquals(FilterAction.HOLD, run(filter, "a@example.co.uk").action());
    }

    @Test
    void noRecordOrSeveralRecordsIsNone() {
        assertEquals("dmarc=none header.from=nopolicy.test", dmarc(run("a@nopolicy.test")));
        assertEquals("dmarc=none header.from=www.nopolicy.test", dmarc(run("a@www.nopolicy.test")));
        assertEquals("dmarc=none header.from=two.test", dmarc(run("a@two.test")));
    }

    @Test
    void aNonExistentSubdomainGetsNp() {
        assertEquals(FilterAction.REJECT, run("a@ghost.np.test").action());
        assertEquals(FilterAction.CONTINUE, run("a@exists.np.test").action());
    }

    /** dnsTimeoutMillis, and dnsTimeoutSeconds, its name (in seconds) before it was one name across the filters. */
    @ParameterizedTest
    @CsvSource({"dnsTimeoutMillis, 1000", "dnsTimeoutSeconds, 1"})
    void aServerThatDoesNotAnswerIsTemperrorAfterTheFiltersDnsTimeout(String key, int value) throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsResolver slow = CarrierResolver.of(Map.of("servers", "127.0.0.1:" + silent.getLocalPort(), "timeoutMillis", 6000,
                    "retries", 0));
            Map<String, Object> settings = Map.of(key, value, "temperrorAction", PolicyAction.TEMPFAIL);
            DmarcFilter filter = new DmarcFilter(slow, () -> 0, AnnotationConfig.of(DmarcFilter.Config.class, settings), settings);
            long start = System.nanoTime();
            FilterResult result = run(filter, "a@slow.test");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(dmarc(result).startsWith("dmarc=temperror"), dmarc(result));
            assertTrue(millis < 4500, "the check took " + millis + " ms with a DNS timeout of 1 s (the resolver's: 6 s)");
        }
    }

    @Test
    void dnsFailureIsTemperror() {
        FilterResult result = run(filter(Map.of("temperrorAction", PolicyAction.TEMPFAIL), 0), "a@broken.test");
        assertEquals(FilterAction.TEMPFAIL, result.action());
        assertTrue(dmarc(result).startsWith("dmarc=temperror"), dmarc(result));
    }

    @Test
    void aFromThatCannotBeEvaluatedIsPermerror() {
        DmarcFilter strict = filter(Map.of("permerrorAction", PolicyAction.REJECT), 0);
        FilterResult twoDomains = run(strict, "a@example.co.uk, b@other.test");
        assertEquals(FilterAction.REJECT, twoDomains.action());
        assertTrue(dmarc(twoDomains).startsWith("dmarc=permerror"), dmarc(twoDomains));
        FilterResult twoFields = strict.data(session(false), ENVELOPE, message(List.of(new HeaderField("From", "a@example.co.uk"),
                new HeaderField("From", "b@example.co.uk"))), new TransactionState());
        assertEquals(FilterAction.REJECT, twoFields.action());
        assertEquals(FilterAction.REJECT, run(strict, "\"Mallory @evil.test\" (x@y.test) <m@example.co.uk>").action(),
                "display names and comments do not count: one domain, which fails DMARC with p=reject");
        assertEquals(FilterAction.CONTINUE, run("\"a@b\" <a@example.co.uk>, b@EXAMPLE.co.uk",
                AuthResult.of("dkim", "pass", "header.d=example.co.uk")).action(), "two addresses, one domain");
    }

    @Test
    void mailFromRelayingClientsIsNotEvaluated() {
        FilterResult result = filter(Map.of(), 0).data(session(true), ENVELOPE, message(List.of(new HeaderField("From", "a@example.co.uk"))), new TransactionState());
        assertEquals(FilterAction.CONTINUE, result.action());
        assertTrue(result.authResults().isEmpty());
    }

    @Test
    void organizationalDomainsComeFromThePublicSuffixList() {
        assertEquals("example.co.uk", OrganizationalDomain.of("a.b.example.co.uk"));
        assertEquals("example.com", OrganizationalDomain.of("Mail.Example.COM."));
        assertEquals("example.test", OrganizationalDomain.of("x.example.test"), "no listed suffix: the default rule *");
        assertEquals("co.uk", OrganizationalDomain.of("co.uk"));
    }

    private static SessionInfo session(boolean relay) {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 25);
        return new SessionInfo("s1", "mx", any, any, "client.test", true, null, null, relay);
    }

    static MessageView message(List<HeaderField> headers, AuthResult... earlier) {
        return new MessageView() {
            @Override
            public String queueId() {
                return "TESTQUEUEID";
            }

            @Override
            public List<HeaderField> headers() {
                return headers;
            }

            @Override
            public long size() {
                return 0;
            }

            @Override
            public InputStream openContent() {
                return new ByteArrayInputStream(new byte[0]);
            }

            @Override
            public List<AuthResult> authResults() {
                return List.of(earlier);
            }
        };
    }
}
