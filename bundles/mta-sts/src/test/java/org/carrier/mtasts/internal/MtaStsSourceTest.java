package org.carrier.mtasts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.MutableClock;
import org.carrier.testing.NsdServer;
import org.carrier.testing.StsPolicyServer;
import org.carrier.testing.StsPolicyServer.Answer;
import org.carrier.testing.TestCa;
import org.carrier.testing.dns.CarrierResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy source against real parts: nsd serving the {@code _mta-sts} TXT records and the policy hosts' A
 * records, and an HTTPS server on 127.53.x.1:443 (another on .2 with an expired certificate) with certificates of a
 * CA made here. Each domain of the zone {@code sts.test} is one case.
 */
class MtaStsSourceTest {
    private static final String ZONE = "sts.test";
    private static final String ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.sts.test\r\nmx: *.backup.sts.test\r\nmax_age: 86400\r\n";

    @TempDir
    static Path certificates;
    static TestCa ca;
    static NsdServer nsd;
    static StsPolicyServer https;
    static StsPolicyServer expired;
    static String goodAddress;

    @TempDir
    Path data;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T00:00:00Z"));
    final List<TlsSessionResult> reported = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // a third octet of its own, so that another run on this machine does not take our addresses
        String net = "127.53." + ThreadLocalRandom.current().nextInt(1, 255) + ".";
        goodAddress = net + "1";
        ca = TestCa.create(certificates);
        List<String> names = List.of("good", "second", "none", "big", "type", "redirect", "badmx", "chunked", "later")
                .stream().map(d -> "mta-sts." + d + "." + ZONE).toList();
        https = StsPolicyServer.start(goodAddress, ca.serverContext(names.toArray(String[]::new)));
        expired = StsPolicyServer.start(net + "2", ca.expiredServerContext("mta-sts.expired." + ZONE));
        StringBuilder zone = new StringBuilder();
        for (String d : List.of("good", "second", "none", "big", "type", "redirect", "badmx", "chunked", "later", "wrongname", "down")) {
            zone.append("_mta-sts.").append(d).append(" TXT \"v=STSv1; id=20261207T1;\"\n");
            zone.append("mta-sts.").append(d).append(" A ").append(d.equals("down") ? net + "9" : goodAddress).append('\n');
        }
        zone.append("_mta-sts.expired TXT \"v=STSv1; id=1\"\nmta-sts.expired A ").append(net).append("2\n");
        zone.append("_mta-sts.badid TXT \"v=STSv1; id=not_alphanumeric!;\"\nmta-sts.badid A ").append(goodAddress).append('\n');
        zone.append("_mta-sts.twice TXT \"v=STSv1; id=1;\"\n_mta-sts.twice TXT \"v=STSv1; id=2;\"\nmta-sts.twice A ").append(goodAddress).append('\n');
        zone.append("_mta-sts.other TXT \"v=spf1 -all\"\nmta-sts.other A ").append(goodAddress).append('\n');
        nsd = NsdServer.start(Map.of(ZONE, zone.toString()), 60);
    }

    @AfterAll
    static void stop() {
        if (https != null) {
            https.close();
        }
        if (expired != null) {
            expired.close();
        }
        if (nsd != null) {
            nsd.close();
        }
    }

    @BeforeEach
    void policies() {
        https.put("mta-sts.good." + ZONE, Answer.policy(ENFORCE));
    }

    private MtaStsSource source(DnsResolver dns, Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>(Map.of("tlsCaFile", ca.caPem().toString(), "fetchTimeoutSeconds", 5));
        config.putAll(settings);
        return new MtaStsSource(dns, () -> reported::add, data.resolve("mta-sts"), clock,
                AnnotationConfig.of(MtaStsSource.Config.class, config), config);
    }

    private MtaStsSource source() {
        return source(CarrierResolver.at(nsd.server()), Map.of());
    }

    private static Optional<MtaStsPolicy> policy(MtaStsSource source, String domain) throws Exception {
        return source.policy(domain).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void enforcePolicyFetchedOverVerifiedHttpsIsCachedPrivatelyAndNotFetchedAgain() throws Exception {
        MtaStsSource source = source();
        long before = https.requests("mta-sts.good." + ZONE);
        MtaStsPolicy policy = policy(source, "Good.STS.test.").orElseThrow();
        assertEquals(MtaStsMode.ENFORCE, policy.mode());
        assertEquals("20261207T1", policy.id());
        assertEquals(List.of("mx1.good.sts.test", "*.backup.sts.test"), policy.mx());
        assertEquals(Duration.ofSeconds(86400), policy.maxAge());
        assertTrue(policy.allows("mx1.good.sts.test") && policy.allows("b.backup.sts.test"));
        assertFalse(policy.allows("mx.attacker.test") || policy.allows("a.b.backup.sts.test"));
        Path file = data.resolve("mta-sts").resolve("good.sts.test.policy");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(policy, policy(source, "good.sts.test").orElseThrow());
        assertEquals(before + 1, https.requests("mta-sts.good." + ZONE), "the unchanged id needs no second fetch");
        assertEquals(Optional.of(policy), source.cached("good.sts.test"));
        source.stop();
    }

    @Test
    void cachedEnforcePolicySurvivesARestartWithTheHttpsServerDownAndADnsOutage() throws Exception {
        MtaStsSource first = source();
        MtaStsPolicy policy = policy(first, "good.sts.test").orElseThrow();
        first.stop();
        https.remove("mta-sts.good." + ZONE); // 404 from now on
        clock.advance(Duration.ofHours(2));
        MtaStsSource restarted = source();
        assertEquals(Optional.of(policy), policy(restarted, "good.sts.test"), "same id: the cached policy applies");
        restarted.stop();
        // no DNS answer at all: a resolver asking a port where nothing listens
        MtaStsSource outage = source(CarrierResolver.of(Map.of("servers", "127.0.0.1:" + NsdServer.freePort(),
                "timeoutMillis", 200, "retries", 0)), Map.of());
        assertEquals(Optional.of(policy), policy(outage, "good.sts.test"), "a DNS outage keeps the cached policy");
        // past max_age, the cached policy no longer applies (RFC 8461 §5.1)
        clock.advance(Duration.ofDays(1));
        assertEquals(Optional.empty(), policy(outage, "good.sts.test"));
        outage.stop();
    }

    @Test
    void aChangedIdFetchesAgainAndModeNoneReplacesTheCachedPolicy() throws Exception {
        MtaStsSource first = source();
        https.put("mta-sts.none." + ZONE, Answer.policy(ENFORCE.replace("good", "none")));
        assertEquals(MtaStsMode.ENFORCE, policy(first, "none.sts.test").orElseThrow().mode());
        first.stop();
        https.put("mta-sts.none." + ZONE, Answer.policy("version: STSv1\nmode: none\nmax_age: 86400\n"));
        try (NsdServer changed = NsdServer.start(Map.of(ZONE, "_mta-sts.none TXT \"v=STSv1; id=20261208;\"\nmta-sts.none A "
                + goodAddress + "\n"), 60)) {
            MtaStsSource second = source(CarrierResolver.at(changed.server()), Map.of());
            assertEquals(Optional.empty(), policy(second, "none.sts.test"), "mode none withdraws the policy");
            assertEquals(MtaStsMode.NONE, second.cached("none.sts.test").orElseThrow().mode());
            assertTrue(Files.readString(data.resolve("mta-sts/none.sts.test.policy")).contains("mode: none"));
            second.stop();
        }
    }

    @Test
    void aPolicyInUseIsRefreshedInTheBackgroundBeforeItExpires() throws Exception {
        MtaStsSource source = source(CarrierResolver.at(nsd.server()), Map.of("refreshHours", 1));
        https.put("mta-sts.later." + ZONE, Answer.policy(ENFORCE.replace("good", "later")));
        Instant first = policy(source, "later.sts.test").orElseThrow().fetched();
        clock.advance(Duration.ofHours(2));
        assertEquals(first, policy(source, "later.sts.test").orElseThrow().fetched(), "this delivery uses the cached policy");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.cached("later.sts.test").orElseThrow().fetched().equals(first) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(clock.instant(), source.cached("later.sts.test").orElseThrow().fetched());
        source.stop();
    }

    @Test
    void aChunkedAnswerIsRead() throws Exception {
        https.put("mta-sts.chunked." + ZONE, Answer.chunkedPolicy(ENFORCE.replace("good", "chunked")));
        MtaStsSource source = source();
        assertEquals(List.of("mx1.chunked.sts.test", "*.backup.sts.test"), policy(source, "chunked.sts.test").orElseThrow().mx());
        source.stop();
    }

    @Test
    void aPolicyOverTheSizeLimitIsRefusedAndReported() throws Exception {
        https.put("mta-sts.big." + ZONE, Answer.policy(ENFORCE.replace("good", "big") + "x".repeat(70_000) + ": y\n"));
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "big.sts.test"));
        TlsSessionResult report = onlyReport("big.sts.test");
        assertEquals(TlsFailureType.STS_POLICY_INVALID, report.failure());
        assertTrue(report.failureReason().contains("larger than 65536 bytes"), report.failureReason());
        assertFalse(Files.exists(data.resolve("mta-sts/big.sts.test.policy")));
        source.stop();
    }

    @Test
    void aWrongContentTypeIsRefused() throws Exception {
        https.put("mta-sts.type." + ZONE, new Answer(200, "text/html", ENFORCE.getBytes(StandardCharsets.US_ASCII), Map.of()));
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "type.sts.test"));
        assertTrue(onlyReport("type.sts.test").failureReason().contains("content type \"text/html\", not text/plain"));
        source.stop();
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        https.put("mta-sts.redirect." + ZONE, new Answer(301, "text/plain", new byte[0],
                Map.of("Location", "https://mta-sts.good.sts.test/.well-known/mta-sts.txt")));
        long good = https.requests("mta-sts.good." + ZONE);
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "redirect.sts.test"));
        TlsSessionResult report = onlyReport("redirect.sts.test");
        assertEquals(TlsFailureType.STS_POLICY_FETCH_ERROR, report.failure());
        assertTrue(report.failureReason().contains("redirect (301)"), report.failureReason());
        assertEquals(good, https.requests("mta-sts.good." + ZONE));
        source.stop();
    }

    @Test
    void mxPatternsThatAreNoHostNamesMakeThePolicyInvalid() throws Exception {
        https.put("mta-sts.badmx." + ZONE, Answer.policy("version: STSv1\nmode: enforce\nmx: *.*.badmx.sts.test\nmax_age: 600\n"));
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "badmx.sts.test"));
        TlsSessionResult report = onlyReport("badmx.sts.test");
        assertEquals(TlsFailureType.STS_POLICY_INVALID, report.failure());
        assertTrue(report.failureReason().contains("mx \"*.*.badmx.sts.test\""), report.failureReason());
        source.stop();
    }

    @Test
    void certificatesThatAreNotValidForThePolicyHostAreRefused() throws Exception {
        https.put("mta-sts.wrongname." + ZONE, Answer.policy(ENFORCE));
        expired.put("mta-sts.expired." + ZONE, Answer.policy(ENFORCE));
        https.put("mta-sts.second." + ZONE, Answer.policy(ENFORCE));
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "wrongname.sts.test"), "the certificate does not name the host");
        assertEquals(Optional.empty(), policy(source, "expired.sts.test"));
        assertEquals(TlsFailureType.STS_WEBPKI_INVALID, onlyReport("wrongname.sts.test").failure());
        assertEquals(TlsFailureType.STS_WEBPKI_INVALID, onlyReport("expired.sts.test").failure());
        assertEquals(0, expired.requests("mta-sts.expired." + ZONE));
        source.stop();
        // without the test CA, only the JDK's roots: the CA is unknown
        MtaStsSource untrusting = source(CarrierResolver.at(nsd.server()), Map.of("tlsCaFile", ""));
        assertEquals(Optional.empty(), policy(untrusting, "second.sts.test"));
        assertEquals(TlsFailureType.STS_WEBPKI_INVALID, onlyReport("second.sts.test").failure());
        untrusting.stop();
    }

    @Test
    void aServerThatIsDownIsReportedOnceUntilTheRetry() throws Exception {
        MtaStsSource source = source();
        assertEquals(Optional.empty(), policy(source, "down.sts.test"));
        assertEquals(Optional.empty(), policy(source, "down.sts.test"));
        assertEquals(TlsFailureType.STS_POLICY_FETCH_ERROR, onlyReport("down.sts.test").failure());
        clock.advance(Duration.ofMinutes(6));
        assertEquals(Optional.empty(), policy(source, "down.sts.test"));
        assertEquals(2, reported.size(), "tried again after retryFailedFetchMinutes");
        source.stop();
    }

    @Test
    void badOrRepeatedTxtRecordsMeanNoPolicyAndNoFetch() throws Exception {
        MtaStsSource source = source();
        for (String domain : List.of("badid", "twice", "other", "nothing")) {
            assertEquals(Optional.empty(), policy(source, domain + ".sts.test"), domain);
            assertEquals(0, https.requests("mta-sts." + domain + "." + ZONE), domain);
        }
        assertEquals(List.of(), reported);
        source.stop();
    }

    @Test
    void offMeansNoDomainHasAPolicy() throws Exception {
        MtaStsSource source = source(CarrierResolver.at(nsd.server()), Map.of("enabled", false));
        assertEquals(Optional.empty(), policy(source, "good.sts.test"));
        source.stop();
    }

    @Test
    void aBrokenConfigurationIsRefusedWholeAndTheLastGoodOneStays() throws Exception {
        MtaStsSource source = source();
        Map<String, Object> broken = new HashMap<>(Map.of("enabled", false, "fetchTimeoutSeconds", 0,
                "tlsCaFile", ca.caPem().toString()));
        source.configure(AnnotationConfig.of(MtaStsSource.Config.class, broken), broken);
        assertTrue(policy(source, "good.sts.test").isPresent(), "enabled = false came with a bad value: refused with it");
        Map<String, Object> missingCa = new HashMap<>(Map.of("tlsCaFile", certificates.resolve("no-such.pem").toString()));
        source.configure(AnnotationConfig.of(MtaStsSource.Config.class, missingCa), missingCa);
        assertTrue(policy(source, "good.sts.test").isPresent());
        source.stop();
    }

    private TlsSessionResult onlyReport(String domain) {
        List<TlsSessionResult> mine = reported.stream().filter(r -> r.policyDomain().equals(domain)).toList();
        assertEquals(1, mine.size(), domain + ": " + reported);
        TlsSessionResult report = mine.get(0);
        assertEquals(TlsPolicyType.STS, report.policyType());
        assertTrue(report.failureReason().contains(domain), report.failureReason());
        return report;
    }
}
