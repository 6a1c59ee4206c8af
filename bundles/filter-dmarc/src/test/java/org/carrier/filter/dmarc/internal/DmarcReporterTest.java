package org.carrier.filter.dmarc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.report.ReportMark;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.CapturingQueue;
import org.carrier.testing.DmarcReportSchema;
import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.carrier.testing.NsdServer;
import org.carrier.testing.ReportMail;
import org.carrier.testing.dns.CarrierResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * DMARC aggregate reports: evaluations made by the real filter against policies served by a real nsd, the report
 * built, checked against the RFC 7489 Appendix C schema and read back from the captured queue, the external
 * destination check (§7.1) asked of nsd.
 */
class DmarcReporterTest {
    private static final Instant DAY = Instant.parse("2026-12-06T00:00:00Z");
    private static NsdServer nsd;
    private static DnsResolver resolver;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(DAY.plus(Duration.ofHours(9)));
    private final CapturingQueue queue = new CapturingQueue();
    private final Map<String, Object> settings = new HashMap<>(Map.of("sender", "dmarc-reports@carrier.test",
            "organizationName", "Carrier Test Org"));
    private DmarcReporter reporter;
    private DmarcFilter filter;

    @BeforeAll
    static void startDns() throws Exception {
        nsd = NsdServer.start(Map.of(
                "example.test", "_dmarc TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test,https://reports.example.test/dmarc\"",
                "auth.test", "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:agg@reports.test\"",
                "unauth.test", "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:agg@reports.test\"",
                "reports.test", "auth.test._report._dmarc TXT \"v=DMARC1\"",
                "sized.test", "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:small@sized.test!1k,mailto:big@sized.test!10m\"",
                "norua.test", "_dmarc TXT \"v=DMARC1; p=reject\""), 60);
        resolver = CarrierResolver.of(Map.of("servers", nsd.server(), "timeoutMillis", 1000, "retries", 0));
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    @AfterEach
    void stop() {
        if (reporter != null) {
            reporter.stop();
        }
    }

    private DmarcReporter start() throws ReflectiveOperationException {
        return start(Map.of());
    }

    private DmarcReporter start(Map<String, Object> filterSettings) throws ReflectiveOperationException {
        return start(dir, filterSettings);
    }

    private DmarcReporter start(Path directory, Map<String, Object> filterSettings) throws ReflectiveOperationException {
        DmarcReporter started = new DmarcReporter(clock, directory, AnnotationConfig.of(DmarcReporter.Config.class, settings), settings);
        inject(DmarcReporter.class, started, "dns", resolver);
        inject(DmarcReporter.class, started, "queue", queue);
        filter = new DmarcFilter(resolver, () -> 0, AnnotationConfig.of(DmarcFilter.Config.class, new HashMap<>(filterSettings)), Map.of());
        inject(DmarcFilter.class, filter, "recorder", started);
        return started;
    }

    private static <T> void inject(Class<T> type, T target, String field, Object service) throws ReflectiveOperationException {
        Field f = type.getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, service);
    }

    /** A message from {@code ip} with From at {@code domain}: aligned SPF and DKIM passes, or an SPF fail. */
    private void receive(String ip, String domain, boolean passes) {
        receive(ip, domain, passes, Envelope.from(MailAddress.parse("bounce@" + domain), Map.of()), false);
    }

    private void receive(String ip, String domain, boolean passes, Envelope envelope, boolean relay) {
        AuthResult[] results = passes
                ? new AuthResult[] {AuthResult.of("spf", "pass", "smtp.mailfrom=bounce@" + domain),
                        AuthResult.of("dkim", "pass", "header.d=" + domain, "header.s=sel1")}
                : new AuthResult[] {AuthResult.of("spf", "fail", "smtp.mailfrom=bounce@" + domain)};
        receive(ip, domain, envelope, relay, results);
    }

    private FilterResult receive(String ip, String domain, Envelope envelope, boolean relay, AuthResult... results) {
        InetSocketAddress client = new InetSocketAddress(ip, 41000);
        SessionInfo session = new SessionInfo("s1", "mx", client, new InetSocketAddress("127.0.0.1", 25), "client.test",
                true, null, null, relay);
        return filter.data(session, envelope, DmarcFilterTest.message(List.of(new HeaderField("From", "someone@" + domain)), results),
                new TransactionState());
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String at(Document doc, String path) throws Exception {
        XPath xpath = XPathFactory.newInstance().newXPath();
        return (String) xpath.evaluate(path, doc, XPathConstants.STRING);
    }

    @Test
    void theMailedReportConformsToTheSchemaAndItsCountsMatch() throws Exception {
        reporter = start();
        receive("192.0.2.1", "example.test", true);
        receive("192.0.2.1", "example.test", true);
        receive("198.51.100.7", "example.test", false);
        receive("2001:db8::25", "example.test", false);
        receive("2001:db8::25", "example.test", false);
        // not recorded: Carrier's own report (its envelope mark), and our own users' mail (not evaluated at all)
        receive("192.0.2.9", "example.test", false, new Envelope(MailAddress.parse("bounce@example.test"),
                ReportMark.DMARC.mailParameters("example.test"), List.of()), false);
        receive("192.0.2.10", "example.test", false, Envelope.from(MailAddress.parse("user@example.test"), Map.of()), true);

        List<String> lines = reporter.sendNow();

        assertEquals(1, queue.committed.size(), String.join("\n", lines));
        CapturingQueue.Queued mail = queue.committed.get(0);
        assertTrue(lines.get(0).contains("mailto:dmarc@example.test: queued as " + mail.queueId()), lines.get(0));
        assertTrue(lines.get(0).contains("https://reports.example.test/dmarc (scheme https: not for aggregate reports"),
                "the unsupported scheme is named with the domain: " + lines.get(0));
        assertTrue(lines.get(0).contains(" for example.test ("), lines.get(0));
        assertEquals(MailAddress.parse("dmarc-reports@carrier.test"), mail.envelope().reversePath());
        assertTrue(ReportMark.DMARC.isOn(mail.envelope()), "marked as a report, so it is never reported on");
        assertEquals(List.of(MailAddress.parse("dmarc@example.test")),
                mail.envelope().recipients().stream().map(r -> r.address()).toList());
        String subject = ReportMail.header(mail.content(), "Subject");
        assertTrue(subject.matches("Report Domain: example\\.test Submitter: carrier\\.test Report-ID: <[^>]+@carrier\\.test>"),
                "RFC 7489 §7.2.1.1: " + subject);
        String fileName = ReportMail.fileName(mail.content(), "application/gzip");
        long begin = DAY.getEpochSecond();
        long end = clock.instant().getEpochSecond() - 1;
        assertEquals("carrier.test!example.test!" + begin + "!" + end + ".xml.gz", fileName);

        String xml = ReportMail.reportXml(mail.content());
        assertNull(DmarcReportSchema.problem(xml), xml);
        Document doc = parse(xml);
        assertEquals("Carrier Test Org", at(doc, "/feedback/report_metadata/org_name"));
        assertEquals("dmarc-reports@carrier.test", at(doc, "/feedback/report_metadata/email"));
        assertEquals(Long.toString(begin), at(doc, "/feedback/report_metadata/date_range/begin"));
        assertEquals("example.test", at(doc, "/feedback/policy_published/domain"));
        assertEquals("quarantine", at(doc, "/feedback/policy_published/p"));
        assertEquals("3", at(doc, "count(/feedback/record)"));
        assertEquals("5", at(doc, "sum(/feedback/record/row/count)"));
        String passing = "/feedback/record[row/source_ip='192.0.2.1']";
        assertEquals("2", at(doc, passing + "/row/count"));
        assertEquals("none", at(doc, passing + "/row/policy_evaluated/disposition"));
        assertEquals("pass", at(doc, passing + "/row/policy_evaluated/dkim"));
        assertEquals("pass", at(doc, passing + "/row/policy_evaluated/spf"));
        assertEquals("sel1", at(doc, passing + "/auth_results/dkim/selector"));
        assertEquals("example.test", at(doc, passing + "/identifiers/header_from"));
        String failing = "/feedback/record[row/source_ip='2001:db8:0:0:0:0:0:25']";
        assertEquals("2", at(doc, failing + "/row/count"), xml);
        assertEquals("quarantine", at(doc, failing + "/row/policy_evaluated/disposition"));
        assertEquals("fail", at(doc, failing + "/row/policy_evaluated/spf"));
        assertEquals("fail", at(doc, failing + "/auth_results/spf/result"));
        assertEquals("mfrom", at(doc, failing + "/auth_results/spf/scope"));
        assertEquals("0", at(doc, "count(/feedback/record[row/source_ip='192.0.2.9' or row/source_ip='192.0.2.10'])"));

        assertEquals(List.of("dmarc-report: no evaluations to report"), reporter.sendNow(), "what was sent is gone");
    }

    /**
     * A failing message accepted because a trusted sealer's ARC chain passed (RFC 8617 §7.2) is reported with the
     * disposition done (none) and the override's reason (RFC 7489 Appendix C PolicyOverrideReason, local_policy),
     * so the domain owner sees why its p=reject was not applied; the reason survives a restart.
     */
    @Test
    void aTrustedArcOverrideIsReportedAsLocalPolicyWithDispositionNone() throws Exception {
        Map<String, Object> trusting = Map.of("trustedArcSealers", new String[] {"lists.test"});
        reporter = start(trusting);
        Envelope envelope = Envelope.from(MailAddress.parse("bounce@auth.test"), Map.of());
        AuthResult spfFail = AuthResult.of("spf", "fail", "smtp.mailfrom=bounce@auth.test");
        FilterResult accepted = receive("192.0.2.44", "auth.test", envelope, false, spfFail,
                AuthResult.of("arc", "pass", "header.d=lists.test", "header.s=arc1"));
        assertEquals(FilterAction.CONTINUE, accepted.action(), "p=reject overridden");
        receive("192.0.2.45", "auth.test", envelope, false, spfFail, AuthResult.of("arc", "pass", "header.d=other.test"));
        reporter.stop();
        reporter = start(trusting);

        reporter.sendNow();

        String xml = ReportMail.reportXml(queue.committed.get(0).content());
        assertNull(DmarcReportSchema.problem(xml), xml);
        Document doc = parse(xml);
        String overridden = "/feedback/record[row/source_ip='192.0.2.44']/row/policy_evaluated";
        assertEquals("none", at(doc, overridden + "/disposition"), xml);
        assertEquals("fail", at(doc, overridden + "/spf"));
        assertEquals("1", at(doc, "count(" + overridden + "/reason)"), xml);
        assertEquals("local_policy", at(doc, overridden + "/reason/type"));
        assertEquals("arc=pass as.d=lists.test", at(doc, overridden + "/reason/comment"));
        String untrusted = "/feedback/record[row/source_ip='192.0.2.45']/row/policy_evaluated";
        assertEquals("reject", at(doc, untrusted + "/disposition"), "another sealer overrides nothing");
        assertEquals("0", at(doc, "count(" + untrusted + "/reason)"));
    }

    @Test
    void theSchemaRefusesAReportWithoutItsPublishedPolicy() throws Exception {
        reporter = start();
        receive("192.0.2.1", "example.test", true);
        reporter.sendNow();
        String xml = ReportMail.reportXml(queue.committed.get(0).content());
        String broken = xml.replaceAll("(?s)<policy_published>.*</policy_published>", "");
        assertTrue(DmarcReportSchema.problem(broken) != null, "the validator checks: " + broken);
        assertTrue(DmarcReportSchema.problem(xml.replace("<disposition>none<", "<disposition>accept<")) != null);
    }

    @Test
    void aRuaAtAnotherOrganizationalDomainIsUsedOnlyWhenItAgreesInDns() throws Exception {
        reporter = start();
        receive("192.0.2.1", "auth.test", true);
        receive("192.0.2.1", "unauth.test", true);

        List<String> lines = reporter.sendNow();

        assertEquals(1, queue.committed.size(), String.join("\n", lines));
        assertEquals(MailAddress.parse("agg@reports.test"), queue.committed.get(0).envelope().recipients().get(0).address());
        assertEquals("auth.test", ReportMail.header(queue.committed.get(0).content(), "Subject").split(" ")[2]);
        String refused = lines.stream().filter(l -> l.contains("unauth.test")).findFirst().orElseThrow();
        assertTrue(refused.contains("no report for unauth.test")
                && refused.contains("mailto:agg@reports.test (external destination not authorized: no v=DMARC1 TXT record at "
                        + "unauth.test._report._dmarc.reports.test)"), refused);
    }

    @Test
    void aReportLargerThanADestinationsSizeLimitIsNotSentThere() throws Exception {
        reporter = start();
        for (int i = 1; i <= 40; i++) {
            receive("192.0.2." + i, "sized.test", i % 2 == 0);
        }
        List<String> lines = reporter.sendNow();

        assertEquals(1, queue.committed.size(), String.join("\n", lines));
        assertEquals(List.of(MailAddress.parse("big@sized.test")),
                queue.committed.get(0).envelope().recipients().stream().map(r -> r.address()).toList());
        int size = queue.committed.get(0).content().getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size > 1024, "the report is larger than 1k: " + size);
        assertTrue(lines.get(0).contains("mailto:small@sized.test!1k (the report is ")
                && lines.get(0).contains("bytes, more than its limit of 1024)"), lines.get(0));
        assertTrue(ReportMail.header(queue.committed.get(0).content(), "To").equals("big@sized.test"));
    }

    @Test
    void onlyPoliciesWithARuaAreRecorded() throws Exception {
        reporter = start();
        receive("192.0.2.1", "norua.test", false);
        assertEquals("dmarc-report: no evaluations to report", reporter.dmarcrpt("show"));
    }

    @Test
    void aRestartKeepsWhatWasCountedInAPrivateFile() throws Exception {
        reporter = start();
        receive("192.0.2.1", "example.test", true);
        receive("192.0.2.1", "example.test", true);
        receive("198.51.100.7", "example.test", false);
        reporter.stop();
        Path file = dir.resolve(DmarcStore.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));

        reporter = start();
        assertTrue(reporter.dmarcrpt("show").contains("2 from 192.0.2.1 header_from=example.test disposition=none dkim=pass spf=pass"),
                reporter.dmarcrpt("show"));
        reporter.sendNow();
        assertEquals(1, queue.committed.size());
        Document doc = parse(ReportMail.reportXml(queue.committed.get(0).content()));
        assertEquals("3", at(doc, "sum(/feedback/record/row/count)"));
        assertEquals("sel1", at(doc, "/feedback/record[row/source_ip='192.0.2.1']/auth_results/dkim/selector"));
    }

    @Test
    void onceADayTheDayBeforeIsReportedWhenEnabled() throws Exception {
        settings.put("enabled", true);
        settings.put("sendWindowMinutes", 1);
        reporter = start();
        receive("192.0.2.1", "example.test", true);
        reporter.sendWhenDue(); // started at 09:00: the (empty) day before is due now
        assertEquals(0, queue.committed.size(), "today's evaluations wait for tomorrow");

        clock.advance(Duration.ofHours(15).plus(Duration.ofMinutes(2))); // 00:02 the next day
        reporter.sendWhenDue();

        assertEquals(1, queue.committed.size());
        Document doc = parse(ReportMail.reportXml(queue.committed.get(0).content()));
        assertEquals(Long.toString(DAY.getEpochSecond()), at(doc, "/feedback/report_metadata/date_range/begin"));
        assertEquals(Long.toString(DAY.plus(Duration.ofDays(1)).getEpochSecond() - 1),
                at(doc, "/feedback/report_metadata/date_range/end"), "a whole UTC day");
        reporter.sendWhenDue();
        assertEquals(1, queue.committed.size(), "once a day");
    }

    @Test
    void aBrokenConfigurationIsRefusedWholeAndTheLastGoodOneStays() throws Exception {
        reporter = start();
        Map<String, Object> broken = new HashMap<>(settings);
        broken.put("sender", "other@carrier.test");
        broken.put("contactEmail", "not an address");
        reporter.configure(AnnotationConfig.of(DmarcReporter.Config.class, broken), broken);
        receive("192.0.2.1", "example.test", true);
        reporter.sendNow();
        assertEquals(MailAddress.parse("dmarc-reports@carrier.test"), queue.committed.get(0).envelope().reversePath(),
                "the sender of the last good configuration");
    }

    @Test
    void disabledReportsAreCountedButNotSent() throws Exception {
        reporter = start();
        receive("192.0.2.1", "example.test", true);
        clock.advance(Duration.ofDays(1));
        reporter.sendWhenDue();
        assertEquals(0, queue.committed.size(), "enabled = false by default");
    }

    // ---- a cluster: two reporters ("nodes") with their own folders on one shared state ----

    private final MemorySharedState cluster = new MemorySharedState(clock);
    private final List<DmarcReporter> nodes = new java.util.ArrayList<>();
    private final List<MemorySharedState> nodeStates = new java.util.ArrayList<>();

    /** A node of the cluster: its own reporter, folder and filter. Evaluations go to the node last started or picked. */
    private DmarcReporter node(String name) throws ReflectiveOperationException {
        DmarcReporter node = start(dir.resolve(name), Map.of());
        MemorySharedState state = cluster.node(name);
        node.sharedState(state);
        nodes.add(node);
        nodeStates.add(state);
        return node;
    }

    /** Nodes a and b, which send the day's reports at 00:01. */
    private List<DmarcReporter> twoSendingNodes() throws ReflectiveOperationException {
        settings.put("enabled", true);
        settings.put("sendWindowMinutes", 1);
        return List.of(node("a"), node("b"));
    }

    /** Makes {@code node}'s filter (the one started with it) evaluate what {@link #receive} sends next. */
    private void at(DmarcReporter node) throws ReflectiveOperationException {
        inject(DmarcFilter.class, filter, "recorder", node);
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(DmarcReporter::stop);
    }

    /** Redis away ({@code true}) for every node, or back. */
    private void redisDown(boolean down) {
        nodeStates.forEach(state -> state.fail(down));
    }

    private static final String CLAIM = "report:dmarc:claim:2026-12-06T00:00:00Z:example.test";

    private long reported(CapturingQueue.Queued mail) throws Exception {
        return Long.parseLong(at(parse(ReportMail.reportXml(mail.content())), "sum(/feedback/record/row/count)"));
    }

    @Test
    void twoNodesCountsAreSummedInOneReportThatOneNodeSends() throws Exception {
        List<DmarcReporter> ab = twoSendingNodes();
        DmarcReporter a = ab.get(0);
        DmarcReporter b = ab.get(1);
        at(a);
        receive("192.0.2.1", "example.test", true);
        receive("192.0.2.1", "example.test", true);
        at(b);
        receive("192.0.2.1", "example.test", true);
        receive("198.51.100.7", "example.test", false);
        receive("198.51.100.7", "example.test", false);
        a.sendWhenDue(); // a round a few seconds later: each node adds its counts to the cluster's tally
        b.sendWhenDue();
        assertTrue(a.dmarcrpt("show").contains("3 from 192.0.2.1 ") && a.dmarcrpt("show").contains("2 from 198.51.100.7 "),
                "each node shows the cluster's counts: " + a.dmarcrpt("show"));

        clock.advance(Duration.ofHours(15).plus(Duration.ofMinutes(2))); // 00:02 the next day: due at both
        b.sendWhenDue();
        a.sendWhenDue();

        assertEquals(1, queue.committed.size(), "one report for the whole cluster");
        Document doc = parse(ReportMail.reportXml(queue.committed.get(0).content()));
        assertEquals("5", at(doc, "sum(/feedback/record/row/count)"));
        assertEquals("3", at(doc, "/feedback/record[row/source_ip='192.0.2.1']/row/count"), "the same row at both nodes: one record");
        assertEquals("2", at(doc, "/feedback/record[row/source_ip='198.51.100.7']/row/count"));
        assertEquals(Long.toString(DAY.getEpochSecond()), at(doc, "/feedback/report_metadata/date_range/begin"));
        assertTrue(cluster.get(CLAIM).orElseThrow().value().startsWith("sent by b at "), "b's round came first and sent it");
        assertEquals(java.util.Set.of(CLAIM), cluster.keys(), "the tally and its index entry are gone, the sent mark stays");
        clock.advance(Duration.ofMinutes(1));
        a.sendWhenDue();
        b.sendWhenDue();
        assertEquals(1, queue.committed.size(), "the node that lost the claim sends nothing");
    }

    @Test
    void aNodeThatDiesAfterClaimingIsReplacedOnceTheClaimExpires() throws Exception {
        List<DmarcReporter> ab = twoSendingNodes();
        DmarcReporter a = ab.get(0);
        DmarcReporter b = ab.get(1);
        at(a);
        receive("192.0.2.1", "example.test", true);
        at(b);
        receive("192.0.2.2", "example.test", true);
        a.sendWhenDue();
        b.sendWhenDue();
        clock.advance(Duration.ofHours(15).plus(Duration.ofMinutes(2)));
        // a claims the report at its round and dies before sending it
        assertTrue(cluster.node("a").putIfAbsent(CLAIM, "a", org.carrier.api.report.ClusterTallies.CLAIM));
        nodes.remove(a);
        a.stop();

        b.sendWhenDue();
        assertEquals(0, queue.committed.size(), "a's claim holds");
        clock.advance(org.carrier.api.report.ClusterTallies.CLAIM.minusSeconds(5));
        b.sendWhenDue();
        assertEquals(0, queue.committed.size(), "until it expires");
        clock.advance(Duration.ofSeconds(10));
        b.sendWhenDue(); // b kept waiting for the report to be marked sent: now it claims and sends it

        assertEquals(1, queue.committed.size());
        assertEquals(2, reported(queue.committed.get(0)), "both nodes' counts");
        b.sendWhenDue();
        assertEquals(1, queue.committed.size(), "and marks it sent");
    }

    @Test
    void withRedisDownANodeCountsAndReportsAloneAndNothingIsLostOrCountedTwice() throws Exception {
        List<DmarcReporter> ab = twoSendingNodes();
        DmarcReporter a = ab.get(0);
        DmarcReporter b = ab.get(1);
        at(a);
        receive("192.0.2.1", "example.test", true);
        a.sendWhenDue(); // in the cluster's tally
        redisDown(true);
        FilterResult during = receiveResult("192.0.2.1");
        assertEquals(FilterAction.CONTINUE, during.action(), "the message is not refused for a report counter");
        receive("192.0.2.1", "example.test", true);
        a.sendWhenDue(); // fails: kept on a
        assertTrue(a.dmarcrpt("show").contains("the cluster's counts cannot be read now"), a.dmarcrpt("show"));
        assertTrue(a.dmarcrpt("show").contains("2 from 192.0.2.1 "), "this node's own, while Redis is away: " + a.dmarcrpt("show"));

        clock.advance(Duration.ofHours(15).plus(Duration.ofMinutes(2)));
        a.sendWhenDue(); // due with Redis down: a reports what it could not add, alone
        assertEquals(1, queue.committed.size());
        assertEquals(2, reported(queue.committed.get(0)), "a's counts the cluster does not have");

        redisDown(false);
        b.sendWhenDue(); // b's round: the cluster's tally
        assertEquals(2, queue.committed.size());
        assertEquals(1, reported(queue.committed.get(1)), "the count added before the outage, once");
        a.sendWhenDue(); // a's round stayed open: Redis answers again, the report is sent already
        assertEquals(2, queue.committed.size());
    }

    /** A DMARC-passing message from {@code ip}, its filter result. */
    private FilterResult receiveResult(String ip) {
        return receive(ip, "example.test", Envelope.from(MailAddress.parse("bounce@example.test"), Map.of()), false,
                AuthResult.of("spf", "pass", "smtp.mailfrom=bounce@example.test"),
                AuthResult.of("dkim", "pass", "header.d=example.test", "header.s=sel1"));
    }

    @Test
    void sendNowOnOneNodeSendsTheWholeClustersCountsOnce() throws Exception {
        DmarcReporter a = node("a");
        DmarcReporter b = node("b");
        at(a);
        receive("192.0.2.1", "example.test", true);
        at(b);
        receive("192.0.2.1", "example.test", true);
        b.sendWhenDue();

        List<String> lines = a.sendNow();
        assertEquals(1, queue.committed.size(), String.join("\n", lines));
        assertEquals(2, reported(queue.committed.get(0)));
        assertEquals(List.of("dmarc-report: no evaluations to report"), b.sendNow());
        receive("192.0.2.1", "example.test", true); // after a's "send now": b's next period
        b.sendWhenDue();
        assertTrue(a.dmarcrpt("show").contains(" since " + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " "),
                a.dmarcrpt("show"));
    }
}
