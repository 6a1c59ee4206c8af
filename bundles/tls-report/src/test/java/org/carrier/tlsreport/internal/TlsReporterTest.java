package org.carrier.tlsreport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.message.MailAddress;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsReportMessages;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.CapturingQueue;
import org.carrier.testing.FakeDnsResolver;
import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.carrier.testing.RecordingMetricWriter;
import org.carrier.testing.ReportMail;
import org.carrier.testing.TlsReportSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class TlsReporterTest {
    private static final Instant DAY = Instant.parse("2026-12-06T00:00:00Z");
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(DAY.plus(Duration.ofHours(9)));
    private final CapturingQueue queue = new CapturingQueue();
    private final FakeDnsResolver dns = new FakeDnsResolver().txt(name -> name.equals("_smtp._tls.example.test")
            ? FakeDnsResolver.answer(List.of("v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"))
            : FakeDnsResolver.failure(DnsLookupException.Kind.NAME_NOT_FOUND, "NXDOMAIN"));
    private final Map<String, Object> settings = new HashMap<>(Map.of("sender", "reports@carrier.test",
            "organizationName", "Carrier Test Org"));
    private TlsReporter reporter;

    private TlsReporter start() throws ReflectiveOperationException {
        return start(dir);
    }

    private TlsReporter start(Path directory) throws ReflectiveOperationException {
        TlsReporter started = new TlsReporter(clock, directory, AnnotationConfig.of(TlsReporter.Config.class, settings), settings);
        inject(started, "dns", dns);
        inject(started, "queue", queue);
        return started;
    }

    private static void inject(TlsReporter reporter, String field, Object service) throws ReflectiveOperationException {
        Field f = TlsReporter.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(reporter, service);
    }

    @AfterEach
    void stop() {
        if (reporter != null) {
            reporter.stop();
        }
    }

    private void recordSome() {
        reporter.record(Results.stsSuccess());
        reporter.record(Results.stsSuccess());
        reporter.record(Results.stsFailure(TlsFailureType.STARTTLS_NOT_SUPPORTED, "no STARTTLS"));
        reporter.record(Results.tlsaSuccess());
    }

    @Test
    void sendNowQueuesAMarkedReportMessageForTheRua() throws Exception {
        reporter = start();
        recordSome();
        List<String> lines = reporter.sendNow();

        assertEquals(1, queue.committed.size(), String.join("\n", lines));
        CapturingQueue.Queued mail = queue.committed.get(0);
        assertTrue(lines.get(0).contains("mailto:tlsrpt@reports.test: queued as " + mail.queueId()), lines.get(0));
        assertEquals(MailAddress.parse("reports@carrier.test"), mail.envelope().reversePath());
        assertEquals(List.of(MailAddress.parse("tlsrpt@reports.test")),
                mail.envelope().recipients().stream().map(r -> r.address()).toList());
        assertTrue(TlsReportMessages.isReport(mail.envelope()), "marked, so its own TLS session is not reported");

        String content = mail.content();
        String reportId = new ObjectMapper().readTree(ReportMail.reportJson(content)).get("report-id").asString();
        assertEquals("Report Domain: example.test Submitter: carrier.test Report-ID: <" + reportId + ">",
                ReportMail.header(content, "Subject"), "RFC 8460 §5.3");
        assertEquals("example.test", ReportMail.header(content, "TLS-Report-Domain"));
        assertEquals("carrier.test", ReportMail.header(content, "TLS-Report-Submitter"));
        assertEquals("reports@carrier.test", ReportMail.header(content, "From"));
        assertTrue(ReportMail.header(content, "Content-Type").startsWith("multipart/report; report-type=\"tlsrpt\";"));

        String json = ReportMail.reportJson(content);
        assertEquals(List.of(), TlsReportSchema.problems(json), json);
        JsonNode report = new ObjectMapper().readTree(json);
        assertEquals("Carrier Test Org", report.get("organization-name").asString());
        assertEquals("reports@carrier.test", report.get("contact-info").asString());
        assertEquals(DAY.toString(), report.get("date-range").get("start-datetime").asString());
        assertEquals(clock.instant().toString(), report.get("date-range").get("end-datetime").asString());
        assertEquals(3, sessions(report, "total-successful-session-count"));
        assertEquals(1, sessions(report, "total-failure-session-count"));
        assertEquals("no TLS results waiting to be reported", reporter.tlsrpt("show"), "sent, so gone");
    }

    @Test
    void theCountsSurviveARestart() throws Exception {
        reporter = start();
        recordSome();
        reporter.stop();
        reporter = start();
        String shown = reporter.tlsrpt("show");
        assertTrue(shown.contains("example.test  since " + DAY + "  sts  mx mx1.example.test,*.mail.example.test  successful 2  failed 1"), shown);
        assertTrue(shown.contains("1 starttls-not-supported  mx1.example.test[127.0.0.5]  from 127.0.0.1  (no STARTTLS)"), shown);
        reporter.sendNow();
        JsonNode report = new ObjectMapper().readTree(ReportMail.reportJson(queue.committed.get(0).content()));
        assertEquals(3, sessions(report, "total-successful-session-count"));
        assertEquals(1, sessions(report, "total-failure-session-count"));
    }

    @Test
    void theDailyRunSendsYesterdayOnlyWhenEnabled() throws Exception {
        settings.put("enabled", true);
        reporter = start();
        recordSome();
        reporter.sendWhenDue();
        assertEquals(0, queue.committed.size(), "today is not over");
        clock.advance(Duration.ofHours(15 + 3)); // 03:00 UTC the next day: past the send window (120 minutes)
        reporter.record(Results.stsSuccess()); // today's: stays for tomorrow
        reporter.sendWhenDue();
        assertEquals(1, queue.committed.size());
        JsonNode report = new ObjectMapper().readTree(ReportMail.reportJson(queue.committed.get(0).content()));
        assertEquals(DAY.plus(Duration.ofDays(1)).toString(), report.get("date-range").get("end-datetime").asString());
        assertTrue(reporter.tlsrpt("show").contains("successful 1  failed 0"), reporter.tlsrpt("show"));
    }

    @Test
    void disabledTheDailyRunSendsNothingAndDropsFinishedDays() throws Exception {
        reporter = start(); // enabled = false is the default
        recordSome();
        clock.advance(Duration.ofHours(15 + 3));
        reporter.sendWhenDue();
        assertEquals(0, queue.committed.size());
        assertEquals("no TLS results waiting to be reported", reporter.tlsrpt("show"));
    }

    @Test
    void aDomainWithoutATlsRptRecordGetsNoReport() throws Exception {
        reporter = start();
        reporter.record(Results.noPolicyFailure("other.test"));
        List<String> lines = reporter.sendNow();
        assertEquals(0, queue.committed.size());
        assertTrue(lines.get(0).contains("no report for other.test") && lines.get(0).contains("publishes no TLS-RPT record"),
                lines.get(0));
    }

    @Test
    void metricsCountReportsAndNotTheSessionsTheTransportCounts() throws Exception {
        reporter = start();
        recordSome();
        reporter.sendNow();
        RecordingMetricWriter out = new RecordingMetricWriter();
        reporter.collect(out);
        Map<String, Double> samples = out.samples();
        assertEquals(1.0, samples.get("carrier_tlsrpt_reports_total{destination=mailto,result=sent}"), samples.toString());
        // the sessions are counted once, by the SMTP transport (carrier_smtp_tls_sessions_total)
        assertTrue(samples.keySet().stream().noneMatch(k -> k.contains("sessions")), samples.toString());
    }

    @Test
    void aBadSenderIsRefusedAndTheLastGoodStays() throws Exception {
        reporter = start();
        Map<String, Object> bad = new HashMap<>(settings);
        bad.put("sender", "not an address");
        reporter.configure(AnnotationConfig.of(TlsReporter.Config.class, bad), bad);
        recordSome();
        reporter.sendNow();
        assertEquals(MailAddress.parse("reports@carrier.test"), queue.committed.get(0).envelope().reversePath());
    }

    @Test
    void theSubmittersDomainComesFromTheHostName() {
        assertEquals("example.com", TlsReporter.domainOf("mail.example.com"));
        assertEquals("example.com", TlsReporter.domainOf("example.com."));
        assertEquals("localhost", TlsReporter.domainOf("localhost"));
    }

    private static long sessions(JsonNode report, String field) {
        long n = 0;
        for (JsonNode policy : report.get("policies")) {
            n += policy.get("summary").get(field).asLong();
        }
        return n;
    }

    // ---- a cluster: two reporters ("nodes") with their own folders on one shared state ----

    private final MemorySharedState cluster = new MemorySharedState(clock);
    private final List<TlsReporter> nodes = new java.util.ArrayList<>();
    private final List<MemorySharedState> nodeStates = new java.util.ArrayList<>();
    private static final String CLAIM = "report:tlsrpt:claim:2026-12-06T00:00:00Z:example.test";

    private TlsReporter node(String name) throws ReflectiveOperationException {
        TlsReporter node = start(dir.resolve(name));
        MemorySharedState state = cluster.node(name);
        node.sharedState(state);
        nodes.add(node);
        nodeStates.add(state);
        return node;
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(TlsReporter::stop);
    }

    private void redisDown(boolean down) {
        nodeStates.forEach(state -> state.fail(down));
    }

    private JsonNode report(int i) {
        return new ObjectMapper().readTree(ReportMail.reportJson(queue.committed.get(i).content()));
    }

    /** Both nodes record, a round adds their counts to the cluster's tally, and it is 00:02 the next day. */
    private List<TlsReporter> twoNodesRecordedADay() throws ReflectiveOperationException {
        settings.put("enabled", true);
        settings.put("sendWindowMinutes", 1);
        TlsReporter a = node("a");
        TlsReporter b = node("b");
        a.record(Results.stsSuccess());
        a.record(Results.stsFailure(TlsFailureType.STARTTLS_NOT_SUPPORTED, "no STARTTLS"));
        b.record(Results.stsSuccess());
        b.record(Results.stsFailure(TlsFailureType.STARTTLS_NOT_SUPPORTED, "no STARTTLS"));
        b.record(Results.tlsaSuccess());
        a.sendWhenDue();
        b.sendWhenDue();
        clock.advance(Duration.ofHours(15).plus(Duration.ofMinutes(2)));
        return List.of(a, b);
    }

    @Test
    void twoNodesCountsAreSummedInOneReportThatOneNodeSends() throws Exception {
        List<TlsReporter> ab = twoNodesRecordedADay();
        assertTrue(ab.get(1).tlsrpt("show").contains("successful 2  failed 2"), "the cluster's counts: " + ab.get(1).tlsrpt("show"));
        ab.get(0).sendWhenDue();
        ab.get(1).sendWhenDue();

        assertEquals(1, queue.committed.size(), "one report for the whole cluster");
        JsonNode report = report(0);
        assertEquals(List.of(), TlsReportSchema.problems(report.toString()), report.toString());
        assertEquals(3, sessions(report, "total-successful-session-count"));
        assertEquals(2, sessions(report, "total-failure-session-count"));
        assertEquals(2, report.get("policies").size(), "the sts and the tlsa policy");
        assertEquals(DAY.plus(Duration.ofDays(1)).toString(), report.get("date-range").get("end-datetime").asString());
        assertTrue(cluster.get(CLAIM).orElseThrow().value().startsWith("sent by a at "));
        clock.advance(Duration.ofMinutes(1));
        ab.get(1).sendWhenDue();
        assertEquals(1, queue.committed.size(), "the node that lost the claim sends nothing");
    }

    @Test
    void aNodeThatDiesAfterClaimingIsReplacedOnceTheClaimExpires() throws Exception {
        List<TlsReporter> ab = twoNodesRecordedADay();
        assertTrue(cluster.node("a").putIfAbsent(CLAIM, "a", org.carrier.api.report.ClusterTallies.CLAIM), "a claims, then dies");
        TlsReporter b = ab.get(1);
        b.sendWhenDue();
        assertEquals(0, queue.committed.size(), "a's claim holds");
        clock.advance(org.carrier.api.report.ClusterTallies.CLAIM.plusSeconds(5));
        b.sendWhenDue();
        assertEquals(1, queue.committed.size(), "b sends once a's claim expired");
        assertEquals(3, sessions(report(0), "total-successful-session-count"));
        assertEquals(2, sessions(report(0), "total-failure-session-count"));
        b.sendWhenDue();
        assertEquals(1, queue.committed.size());
    }

    @Test
    void withRedisDownANodeReportsWhatItCountedAlone() throws Exception {
        List<TlsReporter> ab = twoNodesRecordedADay();
        clock.advance(Duration.ofHours(-1)); // back to 23:02 of the day reported
        redisDown(true);
        ab.get(0).record(Results.stsSuccess()); // counted on a: never waits for Redis
        ab.get(0).sendWhenDue();
        clock.advance(Duration.ofHours(1));
        ab.get(0).sendWhenDue(); // due, Redis still down: a's own
        assertEquals(1, queue.committed.size());
        assertEquals(1, sessions(report(0), "total-successful-session-count"), "what a could not add, alone");
        assertEquals(0, sessions(report(0), "total-failure-session-count"));
        redisDown(false);
        ab.get(1).sendWhenDue();
        assertEquals(2, queue.committed.size(), "and the cluster's, once");
        assertEquals(3, sessions(report(1), "total-successful-session-count"));
        ab.get(0).sendWhenDue();
        assertEquals(2, queue.committed.size());
    }
}
