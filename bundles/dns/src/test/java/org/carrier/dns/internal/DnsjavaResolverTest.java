package org.carrier.dns.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.MxRecord;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.NsdServer;
import org.carrier.testing.RecordingMetricWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The resolver against a real nsd serving test zones on a loopback port. */
class DnsjavaResolverTest {
    private static final String BIG_TXT = "x".repeat(200);
    private static NsdServer nsd;
    private static DnsjavaResolver resolver;

    @BeforeAll
    static void startServer() throws Exception {
        String bigTxt = IntStream.range(0, 20).mapToObj(i -> "big TXT \"" + i + BIG_TXT + "\"").collect(Collectors.joining("\n"));
        nsd = NsdServer.start(Map.of(
                "dns.test", """
                        mail MX 10 mx1.dns.test.
                        mail MX 20 MX2.dns.test.
                        mx1 A 127.0.0.11
                        mx2 A 127.0.0.12
                        dual A 127.0.0.14
                        xn--bcher-kva MX 10 mx1.dns.test.
                        dual AAAA ::1
                        nullmx MX 0 .
                        spf TXT "v=spf1 " "-all"
                        quoted TXT "say \\"hi\\" \\\\ " "caf\\195\\169"
                        """ + bigTxt,
                "127.in-addr.arpa", "11.0.0 PTR mx1.dns.test.",
                "servfail.test", "this line is not a resource record"), 60);
        resolver = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                Map.of("servers", nsd.server(), "timeoutMillis", 1000)));
    }

    @AfterAll
    static void stopServer() {
        nsd.close();
    }

    @Test
    void mxRecordsWithPreferencesAndLowerCaseHosts() throws Exception {
        List<MxRecord> mx = get(resolver.mx("mail.dns.test"));
        assertEquals(List.of(new MxRecord(10, "mx1.dns.test"), new MxRecord(20, "mx2.dns.test")),
                mx.stream().sorted((a, b) -> a.preference() - b.preference()).toList());
    }

    @Test
    void deactivationStopsDnsjavasSelectorThreadAndTheNextLookupRestartsIt() throws Exception {
        DnsjavaResolver stopping = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                Map.of("servers", nsd.server(), "timeoutMillis", 1000, "maxCacheTtlSeconds", 0)));
        get(stopping.mx("mail.dns.test"));
        assertTrue(DnsjavaResolver.dnsjavaSelectorRuns(), "a lookup runs on dnsjava's selector thread");
        stopping.deactivate();
        assertFalse(DnsjavaResolver.dnsjavaSelectorRuns(), "closed with the component");
        assertEquals(2, get(resolver.mx("mail.dns.test")).size(), "lookups still work after");
    }

    @Test
    void internationalizedDomainsAreAskedByTheirALabels() throws Exception {
        assertEquals(List.of(new MxRecord(10, "mx1.dns.test")), get(resolver.mx("bücher.dns.test")));
    }

    @Test
    void nullMxHasAnEmptyHost() throws Exception {
        List<MxRecord> mx = get(resolver.mx("nullmx.dns.test"));
        assertEquals(1, mx.size());
        assertTrue(mx.get(0).isNullMx());
    }

    @Test
    void ipv6AndIpv4AddressesIpv6First() throws Exception {
        assertEquals(List.of(InetAddress.getByName("::1"), InetAddress.getByName("127.0.0.14")), get(resolver.addresses("dual.dns.test")));
        assertEquals(List.of(InetAddress.getByName("127.0.0.11")), get(resolver.addresses("mx1.dns.test")));
    }

    @Test
    void nameNotFoundAndNoDataAreTold() {
        assertEquals(Kind.NAME_NOT_FOUND, failure(resolver.mx("nx.dns.test")));
        assertEquals(Kind.NAME_NOT_FOUND, failure(resolver.addresses("nx.dns.test")));
        assertEquals(Kind.NO_DATA, failure(resolver.mx("mx1.dns.test")));
        assertEquals(Kind.NO_DATA, failure(resolver.addresses("mail.dns.test")));
    }

    @Test
    void txtStringsAreJoinedAndPtrNamesHost() throws Exception {
        assertEquals(List.of("v=spf1 -all"), get(resolver.txt("spf.dns.test")));
        assertEquals(List.of("mx1.dns.test"), get(resolver.ptr(InetAddress.getByName("127.0.0.11"))));
    }

    @Test
    void txtIsThePublishedTextWithoutZoneFileEscapes() throws Exception {
        assertEquals(List.of("say \"hi\" \\ café"), get(resolver.txt("quoted.dns.test")));
    }

    @Test
    void ipv4AndIpv6AddressesCanBeAskedAlone() throws Exception {
        assertEquals(List.of(InetAddress.getByName("127.0.0.14")), get(resolver.ipv4Addresses("dual.dns.test")));
        assertEquals(List.of(InetAddress.getByName("::1")), get(resolver.ipv6Addresses("dual.dns.test")));
        assertEquals(Kind.NO_DATA, failure(resolver.ipv6Addresses("mx1.dns.test")));
        assertEquals(Kind.NAME_NOT_FOUND, failure(resolver.ipv4Addresses("nx.dns.test")));
    }

    @Test
    void lookupsAndFailuresAreCountedByRecordType() throws Exception {
        DnsjavaResolver counted = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                Map.of("servers", nsd.server(), "timeoutMillis", 1000)));
        get(counted.mx("mail.dns.test"));
        failure(counted.mx("nx.dns.test"));
        failure(counted.mx("servfail.test"));
        get(counted.addresses("dual.dns.test"));
        failure(counted.txt("mx1.dns.test"));
        RecordingMetricWriter written = new RecordingMetricWriter();
        counted.collect(written);
        assertEquals(Map.of(
                "carrier_dns_lookups_total{type=MX}", 3.0,
                "carrier_dns_lookups_total{type=A}", 1.0,
                "carrier_dns_lookups_total{type=AAAA}", 1.0,
                "carrier_dns_lookups_total{type=TXT}", 1.0,
                "carrier_dns_failures_total{type=MX,reason=name_not_found}", 1.0,
                "carrier_dns_failures_total{type=MX,reason=temporary}", 1.0,
                "carrier_dns_failures_total{type=TXT,reason=no_data}", 1.0,
                // the plain lookups never probe the servers for DNSSEC: only DANE's lookups do
                "carrier_dns_dnssec_resolver_capable{}", -1.0), written.samples());
    }

    @Test
    void aTruncatedUdpAnswerIsAskedAgainOverTcp() throws Exception {
        // 20 records of 200 bytes do not fit a UDP answer (RFC 1035 §4.2.1, RFC 6891 §6.2.5): only TCP gets them all.
        assertEquals(20, get(resolver.txt("big.dns.test")).size());
    }

    @Test
    void aZoneTheServerDoesNotServeIsATemporaryFailure() {
        // nsd answers REFUSED for names outside its zones: no answer, so "try again later".
        assertEquals(Kind.TEMPORARY, failure(resolver.mx("example.org")));
    }

    @Test
    void aZoneTheServerCannotLoadAnswersServfailWhichIsTemporary() {
        // nsd serves a zone whose file does not parse with SERVFAIL (RFC 1035 §4.1.1 RCODE 2).
        assertEquals(Kind.TEMPORARY, failure(resolver.mx("servfail.test")));
        assertEquals(Kind.TEMPORARY, failure(resolver.addresses("www.servfail.test")));
    }

    @Test
    void answersAndNegativeAnswersComeFromTheCacheForTheirTtl() throws Exception {
        try (NsdServer own = NsdServer.start(Map.of("cache.test", "mx1 A 127.0.0.11\nbrief 2 A 127.0.0.12"), 3)) {
            DnsjavaResolver cached = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                    Map.of("servers", own.server(), "timeoutMillis", 300, "retries", 0, "failureTtlSeconds", 0)));
            assertEquals(Kind.NAME_NOT_FOUND, failure(cached.addresses("nx.cache.test")));
            get(cached.addresses("mx1.cache.test"));
            get(cached.addresses("brief.cache.test"));
            own.close();
            // The server is gone: only the cache can answer.
            assertEquals(List.of(InetAddress.getByName("127.0.0.11")), get(cached.addresses("mx1.cache.test")));
            assertEquals(Kind.NO_DATA, failure(cached.ipv6Addresses("mx1.cache.test")), "RFC 2308 §5: NODATA is cached");
            assertEquals(Kind.NAME_NOT_FOUND, failure(cached.addresses("nx.cache.test")), "RFC 2308: NXDOMAIN is cached");
            Thread.sleep(3500);
            assertEquals(Kind.TEMPORARY, failure(cached.addresses("brief.cache.test")), "the 2 s TTL has run out");
            assertEquals(Kind.TEMPORARY, failure(cached.addresses("nx.cache.test")), "the SOA minimum (3 s) has run out");
            assertEquals(List.of(InetAddress.getByName("127.0.0.11")), get(cached.addresses("mx1.cache.test")));
        }
    }

    @Test
    void aCachedAliasIsFollowedToItsTargetAndNotTakenForTheAnswer() throws Exception {
        try (NsdServer own = NsdServer.start(Map.of("alias.test", "mx CNAME host.alias.test.\nhost A 127.0.0.13\n"
                + "twice CNAME mx.alias.test."), 60)) {
            DnsjavaResolver cached = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                    Map.of("servers", own.server(), "timeoutMillis", 300, "retries", 0, "failureTtlSeconds", 0)));
            List<InetAddress> host = List.of(InetAddress.getByName("127.0.0.13"));
            assertEquals(host, get(cached.addresses("mx.alias.test")));
            assertEquals(host, get(cached.addresses("twice.alias.test")));
            own.close();
            // Only the cache can answer now: the names hold CNAMEs there, which must be followed, not returned.
            assertEquals(host, get(cached.addresses("mx.alias.test")));
            assertEquals(host, get(cached.ipv4Addresses("twice.alias.test")), "a chain of two aliases");
            assertEquals(Kind.NO_DATA, failure(cached.ipv6Addresses("mx.alias.test")), "the target's cached NODATA");
        }
    }

    @Test
    void aNegativeAnswerIsAnOutcomeWithoutAStackTrace() {
        DnsLookupException noData = assertInstanceOf(DnsLookupException.class, cause(resolver.ipv6Addresses("mx1.dns.test")));
        assertEquals(Kind.NO_DATA, noData.kind());
        assertEquals(0, noData.getStackTrace().length, "filling in a stack trace costs CPU at every delivery to such a host");
    }

    @Test
    void aServerThatNeverAnswersTimesOutAndTheFailureIsRemembered() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsjavaResolver slow = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                    Map.of("servers", "127.0.0.1:" + silent.getLocalPort(), "timeoutMillis", 300, "retries", 1)));
            long start = System.nanoTime();
            assertEquals(Kind.TEMPORARY, failure(slow.mx("example.test")));
            long first = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(first >= 250 && first < 3000, "gave up after " + first + " ms");
            assertTrue(queriesReceived(silent) >= 1, "the first lookup asked the server");
            assertEquals(Kind.TEMPORARY, failure(slow.mx("example.test")));
            // Counted at the server, not timed (a loaded machine makes any timing flaky): no new question was sent.
            assertEquals(0, queriesReceived(silent), "RFC 2308 §7.1: the failure is cached, yet the server was asked again");
        }
    }

    /** The datagrams that reached {@code server} and are waiting there (read within 300 ms each). */
    private static int queriesReceived(DatagramSocket server) throws IOException {
        server.setSoTimeout(300);
        int n = 0;
        try {
            while (n < 100) {
                server.receive(new java.net.DatagramPacket(new byte[512], 512));
                n++;
            }
        } catch (java.net.SocketTimeoutException drained) {
            // nothing more came
        }
        return n;
    }

    @Test
    void invalidServersAreRefusedAndTheLastGoodOnesStay() throws Exception {
        DnsjavaResolver r = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class, Map.of("servers", nsd.server())));
        r.modified(AnnotationConfig.of(DnsjavaResolver.Config.class, Map.of("servers", "ns.example.org:53")), Map.of());
        assertEquals(2, get(r.mx("mail.dns.test")).size());
        assertThrows(IllegalArgumentException.class, () -> DnsServers.parse("127.0.0.1:99999"));
        assertEquals(List.of(new InetSocketAddress("::1", 53), new InetSocketAddress("::1", 5353), new InetSocketAddress("127.0.0.1", 53)),
                DnsServers.parse("::1, [::1]:5353 127.0.0.1"));
    }

    @Test
    void aValueThatIsNotANumberIsRefusedAndTheLastGoodSettingsStay() {
        DnsjavaResolver r = new DnsjavaResolver(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("timeoutMillis", "700")));
        DnsClient.Settings good = r.settingsInForce();
        assertEquals(Duration.ofMillis(700), good.timeout());
        r.modified(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("timeoutMillis", "banana", "retries", "4")), Map.of());
        r.modified(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("timeoutMillis", "700", "failureTtlSeconds", "301")), Map.of());
        assertSame(good, r.settingsInForce());
        DnsjavaResolver first = new DnsjavaResolver(TypedConfig.of(DnsjavaResolver.Config.class, Map.of("retries", "-1", "timeoutMillis", "5")));
        assertEquals(TypedConfig.defaults(DnsjavaResolver.Config.class).timeoutMillis(), first.settingsInForce().timeout().toMillis());
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    static Kind failure(CompletionStage<?> stage) {
        return assertInstanceOf(DnsLookupException.class, cause(stage)).kind();
    }

    private static Throwable cause(CompletionStage<?> stage) {
        return assertThrows(ExecutionException.class, () -> get(stage)).getCause();
    }
}
