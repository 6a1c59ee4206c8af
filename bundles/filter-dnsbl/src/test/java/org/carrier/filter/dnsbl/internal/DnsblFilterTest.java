package org.carrier.filter.dnsbl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The filter against a real nsd serving two test lists, through the real resolver. */
class DnsblFilterTest {
    private static final String V6_LOOPBACK = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
    private static final Envelope ENVELOPE = Envelope.from(MailAddress.parse("sender@example.test"), Map.of());
    private static final Recipient RCPT = Recipient.of(MailAddress.parse("rcpt@example.test"));

    private static NsdServer nsd;
    private static DnsResolver resolver;

    @BeforeAll
    static void startDns() throws Exception {
        nsd = NsdServer.start(Map.of("bl.test", """
                2.0.0.127 A 127.0.0.2
                2.0.0.127 TXT "Listed, see https://bl.test/q?127.0.0.2"
                3.0.0.127 A 127.0.0.10
                4.0.0.127 A 127.0.0.4
                5.0.0.127 A 10.0.0.2
                %s AAAA ::1
                %s A 127.0.0.3
                %s TXT "IPv6 client listed"
                """.formatted(V6_LOOPBACK, V6_LOOPBACK, V6_LOOPBACK), "other.test", """
                4.0.0.127 A 127.0.0.2
                """), 60);
        resolver = resolver(nsd.server(), 500);
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    private static DnsResolver resolver(String servers, int timeoutMillis) {
        return CarrierResolver.of(Map.of("servers", servers, "timeoutMillis", timeoutMillis, "retries", 1));
    }

    private static DnsblFilter filter(DnsResolver dns, Map<String, Object> settings) {
        return new DnsblFilter(dns, config(settings), settings);
    }

    private static DnsblFilter.Config config(Map<String, Object> settings) {
        return AnnotationConfig.of(DnsblFilter.Config.class, settings);
    }

    private static DnsblFilter filter(String... zones) {
        return filter(resolver, Map.of("zones", zones));
    }

    private static SessionInfo session(String client, boolean relayPermitted) throws Exception {
        return new SessionInfo("t1", "mx", new InetSocketAddress(InetAddress.getByName(client), 40000),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 25), "client.test", true, null, null, relayPermitted);
    }

    private static FilterResult rcpt(DnsblFilter filter, String client) throws Exception {
        return filter.rcptTo(session(client, false), ENVELOPE, RCPT, new TransactionState());
    }

    /** The data stage of a one-recipient transaction from {@code client}. */
    private static FilterResult data(DnsblFilter filter, String client) throws Exception {
        return filter.data(session(client, false), ENVELOPE.withRecipient(RCPT), MESSAGE, new TransactionState());
    }

    /** A message at the data stage; the filter reads only its queue ID, for its log line. */
    private static final MessageView MESSAGE = new MessageView() {
        @Override
        public String queueId() {
            return "Q1";
        }

        @Override
        public List<HeaderField> headers() {
            return List.of();
        }

        @Override
        public long size() {
            return 0;
        }

        @Override
        public InputStream openContent() {
            return InputStream.nullInputStream();
        }
    };

    @Test
    void aListedClientIsRefusedWithTheListsText() throws Exception {
        FilterResult r = rcpt(filter("bl.test=127.0.0.2-127.0.0.4"), "127.0.0.2");
        assertEquals(FilterAction.REJECT, r.action());
        assertEquals("554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test; "
                + "Listed, see https://bl.test/q?127.0.0.2", r.reply().toString());
    }

    @Test
    void withoutATxtRecordTheReplyLeavesTheTextOut() throws Exception {
        assertEquals("554 5.7.1 Service unavailable; client [127.0.0.4] blocked using bl.test",
                rcpt(filter("bl.test"), "127.0.0.4").reply().toString());
    }

    @Test
    void theReplyTextIsASetting() throws Exception {
        DnsblFilter custom = filter(resolver, Map.of("zones", new String[] {"bl.test"},
                "replyText", "{client} is on {zone} ({code}); {text}"));
        assertEquals("554 5.7.1 127.0.0.2 is on bl.test (127.0.0.2); Listed, see https://bl.test/q?127.0.0.2",
                rcpt(custom, "127.0.0.2").reply().toString());
        assertEquals("554 5.7.1 127.0.0.4 is on bl.test (127.0.0.4)", rcpt(custom, "127.0.0.4").reply().toString());
    }

    @Test
    void anIpv6ClientIsLookedUpByItsReversedNibbles() throws Exception {
        FilterResult r = rcpt(filter("bl.test=127.0.0.2-127.0.0.4"), "::1");
        assertEquals("554 5.7.1 Service unavailable; client [::1] blocked using bl.test; IPv6 client listed",
                r.reply().toString());
    }

    @Test
    void onlyTheReturnCodesThatCountList() throws Exception {
        DnsblFilter narrow = filter("bl.test=127.0.0.2,127.0.0.4");
        assertEquals(FilterAction.CONTINUE, rcpt(narrow, "127.0.0.3").action(), "127.0.0.10 is not one of the codes");
        assertEquals(FilterAction.REJECT, rcpt(narrow, "127.0.0.4").action());
        DnsblFilter any = filter("bl.test=*");
        assertEquals(FilterAction.REJECT, rcpt(any, "127.0.0.3").action(), "* takes any 127.0.0.0/8 code");
        assertEquals(FilterAction.CONTINUE, rcpt(any, "127.0.0.5").action(), "10.0.0.2 is no list answer (RFC 5782 §2.3)");
        assertEquals(FilterAction.CONTINUE, rcpt(any, "127.0.0.9").action(), "not in the list");
    }

    @Test
    void allowListedAndRelayPermittedClientsAreNotChecked() throws Exception {
        DnsblFilter allowing = filter(resolver, Map.of("zones", new String[] {"bl.test"}, "allowList", new String[] {"10.0.0.0/8, 127.0.0.0/30"}));
        assertEquals(FilterAction.CONTINUE, rcpt(allowing, "127.0.0.2").action());
        assertEquals(FilterAction.REJECT, rcpt(allowing, "127.0.0.4").action());
        assertEquals(FilterAction.CONTINUE, filter("bl.test").rcptTo(session("127.0.0.2", true), ENVELOPE, RCPT, new TransactionState()).action());
    }

    @Test
    void theActionComesFromConfiguration() throws Exception {
        FilterResult tempfail = rcpt(filter(resolver, Map.of("zones", new String[] {"bl.test"}, "action", PolicyAction.TEMPFAIL)), "127.0.0.2");
        assertEquals("451 4.7.1", tempfail.reply().code() + " " + tempfail.reply().enhancedStatus());

        DnsblFilter tagging = filter(resolver, Map.of("zones", new String[] {"bl.test"}, "action", PolicyAction.TAG));
        assertEquals(List.of(), rcpt(tagging, "127.0.0.2").headers(), "no recipient is tagged: the message is, once");
        FilterResult tagged = data(tagging, "127.0.0.2");
        assertEquals(FilterAction.CONTINUE, tagged.action());
        assertEquals(List.of(new HeaderField("X-Carrier-Policy", "dnsbl=listed zone=bl.test code=127.0.0.2 client=127.0.0.2")),
                tagged.headers());
        assertEquals(Set.of(FilterStage.CONNECT, FilterStage.DATA), tagging.stages(), "a mark is made at the data stage only");

        DnsblFilter holding = filter(resolver, Map.of("zones", new String[] {"bl.test"}, "action", PolicyAction.HOLD));
        FilterResult held = data(holding, "127.0.0.2");
        assertEquals(FilterAction.HOLD, held.action());
        assertEquals(1, held.headers().size());
        assertEquals(FilterAction.CONTINUE, rcpt(holding, "127.0.0.2").action());
    }

    @Test
    void atTheConnectStageTheGreetingRefuses() throws Exception {
        DnsblFilter atConnect = filter(resolver, Map.of("zones", new String[] {"bl.test"}, "stage", DnsblFilter.Stage.CONNECT));
        assertEquals(FilterAction.REJECT, atConnect.connect(session("127.0.0.2", false)).action());
        assertEquals(FilterAction.CONTINUE, rcpt(atConnect, "127.0.0.2").action());
        assertEquals(FilterAction.CONTINUE, filter("bl.test").connect(session("127.0.0.2", false)).action());
        DnsblFilter tagging = filter(resolver, Map.of("zones", new String[] {"bl.test"}, "stage", DnsblFilter.Stage.CONNECT,
                "action", PolicyAction.TAG));
        assertEquals(List.of(), tagging.connect(session("127.0.0.2", false)).headers(), "a tag waits for the message");
        assertEquals(1, data(tagging, "127.0.0.2").headers().size());
        assertEquals(Set.of(FilterStage.CONNECT), atConnect.stages());
    }

    @Test
    void weightsAddUpToTheThreshold() throws Exception {
        // As a .cfg file gives it: one string holding both entries.
        DnsblFilter two = filter(resolver, Map.of("zones", new String[] {"bl.test other.test"}, "threshold", 2));
        assertEquals(FilterAction.CONTINUE, rcpt(two, "127.0.0.2").action(), "one list of weight 1 is not enough");
        assertEquals(FilterAction.REJECT, rcpt(two, "127.0.0.4").action());
        DnsblFilter heavy = filter(resolver, Map.of("zones", new String[] {"other.test", "bl.test*2"}, "threshold", 2));
        assertEquals(FilterAction.REJECT, rcpt(heavy, "127.0.0.2").action());
    }

    /** dnsTimeoutMillis, and timeoutMillis, its name before it was one name across the filters (still read). */
    @ParameterizedTest
    @ValueSource(strings = {"dnsTimeoutMillis", "timeoutMillis"})
    void aListThatDoesNotAnswerBlocksNobodyAndDelaysOnlyUntilTheTimeout(String timeoutKey) throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsResolver slow = resolver("127.0.0.1:" + silent.getLocalPort(), 5000);
            DnsblFilter filter = filter(new SplitResolver(slow), Map.of("zones", new String[] {"slow.test", "bl.test"},
                    timeoutKey, 800));
            long start = System.nanoTime();
            assertEquals(FilterAction.CONTINUE, rcpt(filter, "127.0.0.9").action());
            assertEquals(FilterAction.REJECT, rcpt(filter, "127.0.0.2").action(), "the list that answers still counts");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 4000, "two checks took " + millis + " ms with a timeout of 800 ms each");
        }
    }

    @Test
    void aBadConfigurationKeepsThePreviousOne() throws Exception {
        DnsblFilter filter = filter("bl.test");
        for (String bad : new String[] {"bl.test=banana", "not a zone", "bl.test=127.0.0.9-127.0.0.2"}) {
            Map<String, Object> settings = new HashMap<>(Map.of("zones", new String[] {bad}));
            filter.configure(config(settings), Map.of());
            assertEquals(FilterAction.REJECT, rcpt(filter, "127.0.0.2").action(), bad);
        }
        filter.configure(config(Map.of("zones", new String[] {"bl.test"}, "allowList", new String[] {"localhost"})), Map.of());
        assertEquals(FilterAction.REJECT, rcpt(filter, "127.0.0.2").action(), "a host name is no network");
        filter.configure(config(Map.of("zones", new String[0])), Map.of());
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "127.0.0.2").action(), "no zones: nothing to check");
    }

    @Test
    void queryNamesFollowRfc5782() throws Exception {
        DnsblZone zone = DnsblZone.parse("bl.test");
        assertEquals("2.0.0.127.bl.test", zone.queryName(InetAddress.getByName("127.0.0.2")));
        // RFC 5782 §2.4's example: 2001:db8:1:2:3:4:567:89ab
        assertEquals("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test",
                zone.queryName(InetAddress.getByName("2001:db8:1:2:3:4:567:89ab")));
    }

    /** The real resolver for the nsd lists, and one that gets no answers for names under slow.test. */
    private record SplitResolver(DnsResolver slow) implements DnsResolver {
        private DnsResolver pick(String name) {
            return name.endsWith(".slow.test") ? slow : resolver;
        }

        @Override
        public CompletionStage<List<MxRecord>> mx(String domain) {
            return pick(domain).mx(domain);
        }

        @Override
        public CompletionStage<List<InetAddress>> addresses(String host) {
            return pick(host).addresses(host);
        }

        @Override
        public CompletionStage<List<InetAddress>> ipv4Addresses(String host) {
            return pick(host).ipv4Addresses(host);
        }

        @Override
        public CompletionStage<List<InetAddress>> ipv6Addresses(String host) {
            return pick(host).ipv6Addresses(host);
        }

        @Override
        public CompletionStage<List<String>> txt(String name) {
            return pick(name).txt(name);
        }

        @Override
        public CompletionStage<List<String>> ptr(InetAddress address) {
            return resolver.ptr(address);
        }

        @Override
        public CompletionStage<DnsAnswer<MxRecord>> mxAnswer(String domain) {
            return pick(domain).mxAnswer(domain);
        }

        @Override
        public CompletionStage<DnsAnswer<InetAddress>> addressesAnswer(String host) {
            return pick(host).addressesAnswer(host);
        }

        @Override
        public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
            return pick(name).tlsa(name);
        }
    }

    /** The stages follow the settings, so an unconfigured filter costs sessions nothing. */
    @Test
    void theStagesFollowTheSettings() {
        assertEquals(Set.of(), filter().stages(), "without zones the filter hooks nothing");
        assertEquals(Set.of(FilterStage.CONNECT, FilterStage.RCPT), filter("bl.test").stages());
    }

    /**
     * A transaction's recipients get the answer of its first one, asked once and kept in the transaction's state; the
     * next transaction (a new state) asks afresh.
     */
    @Test
    void theJudgementIsMadeOncePerTransaction() throws Exception {
        DnsblFilter filter = filter("bl.test");
        SessionInfo listed = session("127.0.0.2", false);
        TransactionState transaction = new TransactionState();
        FilterResult first = filter.rcptTo(listed, ENVELOPE, RCPT, transaction);
        assertEquals(FilterAction.REJECT, first.action());
        assertSame(first, filter.rcptTo(listed, ENVELOPE, Recipient.of(MailAddress.parse("other@example.test")), transaction),
                "the second recipient gets the first one's answer");
        FilterResult next = filter.rcptTo(listed, ENVELOPE, RCPT, new TransactionState());
        assertNotSame(first, next, "a new transaction is judged anew");
        assertEquals(first.reply(), next.reply());
    }
}
