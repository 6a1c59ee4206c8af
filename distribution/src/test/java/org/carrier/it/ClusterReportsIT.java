package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;

import org.carrier.testing.DmarcReportSchema;
import org.carrier.testing.NsdServer;
import org.carrier.testing.RedisServer;
import org.carrier.testing.ReportMail;
import org.carrier.testing.TlsReportSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.w3c.dom.Document;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * DMARC and TLS-RPT reports of a cluster: two started distributions on one real redis-server, each evaluating DMARC
 * for mail it takes (policies in a real nsd) and recording the TLS sessions of mail it delivers (to an MX host found
 * in nsd, a sink), add their counts to the cluster's tallies; {@code send} on node A then mails one report of each
 * kind with both nodes' counts, and the same command on node B finds nothing left to send. The reports reach the
 * rua's MX host (a capturing sink), which gets exactly those two.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterReportsIT {
    private static final String REPORTS_MX = "127.0.0.46";
    private static final String DEST_MX = "127.0.0.47";

    private RedisServer redis;
    private NsdServer nsd;
    private SmtpSink reports;
    private SmtpSink dest;
    private RunningCarrier a;
    private RunningCarrier b;
    private final Map<RunningCarrier, Integer> inboundPorts = new java.util.HashMap<>();

    @BeforeAll
    void start() throws Exception {
        Path parent = Files.createTempDirectory(Distribution.home().getParent(), "e2e-cluster-reports-");
        redis = RedisServer.start(parent.resolve("redis"));
        int mxPort = sinksOnOnePort();
        nsd = NsdServer.start(Map.of(
                "sender.test", "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.test\"",
                "reports.test", "@ MX 10 mx.reports.test.\nmx A " + REPORTS_MX + "\nsender.test._report._dmarc TXT \"v=DMARC1\"",
                "dest.test", "@ MX 10 mx.dest.test.\nmx A " + DEST_MX + "\n_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test\""),
                60);
        a = node(parent.resolve("a"), "a", mxPort);
        b = node(parent.resolve("b"), "b", mxPort);
        for (RunningCarrier node : List.of(a, b)) {
            node.start();
            String log = node.awaitLog("cluster: connected to " + redis.uri());
            assertTrue(log.contains("cluster: connected to " + redis.uri()), "the cluster bundle is not active:\n" + node.console());
            assertTrue(Distribution.waitFor(30, () -> node.shell("carrier:dmarcrpt", "show").contains("no evaluations")),
                    "the DMARC reporter never started:\n" + node.shell("carrier:dmarcrpt", "show") + "\n" + node.console());
        }
    }

    private RunningCarrier node(Path dir, String name, int mxPort) throws IOException {
        RunningCarrier node = new RunningCarrier(Files.createDirectories(dir));
        node.configure("org.carrier.cluster.cfg", "uri = " + redis.uri() + "\nnodeName = " + name + "\n");
        node.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        node.configure("org.carrier.route-reports.cfg", "domains = reports.test, dest.test\ntransport = mx\nport = " + mxPort
                + "\n");
        // one message a connection, so that each message is one TLS session (RFC 8460 counts sessions)
        node.configure("org.carrier.delivery.smtp.cfg", "maxMessagesPerConnection = 1\n");
        int inbound = Distribution.freePort();
        inboundPorts.put(node, inbound);
        // an MX listener that trusts no loopback client, so the test's mail is evaluated as a stranger's
        node.configure("org.carrier.smtp.listener-inbound.cfg", "name = inbound\nbindAddress = 127.0.0.1\nport = "
                + inbound + "\ntrustedNetworks = 192.0.2.0/24\n");
        node.configure("org.carrier.dmarc.report.cfg", "sender = dmarc-reports@carrier.test\norganizationName = Carrier IT\n");
        node.configure("org.carrier.tlsreport.cfg", "sender = reports@carrier.test\norganizationName = Carrier IT\n");
        String jar = "org.carrier.filter.dmarc.jar";
        Files.copy(node.home.resolve("extras").resolve(jar), node.home.resolve("deploy").resolve(jar));
        return node;
    }

    private int sinksOnOnePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = Distribution.freePort();
            try {
                reports = new SmtpSink(InetAddress.getByName(REPORTS_MX), port);
                dest = new SmtpSink(InetAddress.getByName(DEST_MX), port);
                return port;
            } catch (BindException taken) {
                if (reports != null) {
                    reports.close();
                }
            }
        }
        throw new IOException("no port free on both MX addresses");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(a, b, reports, dest, nsd, redis);
    }

    /** A message from a stranger at sender.test, which the node's DMARC filter evaluates. */
    private String receive(RunningCarrier node, String subject) throws IOException {
        String message = "From: someone@sender.test\r\nTo: alice@localhost\r\nSubject: " + subject + "\r\n\r\nHello.\r\n";
        return SmtpClient.send(inboundPorts.get(node), "someone@sender.test", List.of("alice@localhost"), message);
    }

    /** A message the node relays to dest.test: one outbound TLS session for its TLS-RPT counts. */
    private void relay(RunningCarrier node, String subject) throws IOException, InterruptedException {
        assertTrue(SmtpClient.send(node.smtpPort, "alice@carrier.test", List.of("bob@dest.test"),
                SmtpClient.message(subject, 100)).startsWith("250"));
        assertNotNull(dest.next(30), "no delivery to mx.dest.test:\n" + node.console());
    }

    private static final Pattern TLS_COUNTS = Pattern.compile("dest\\.test .*successful (\\d+)  failed (\\d+)");

    /** The sessions to dest.test that {@code carrier:tlsrpt show} counts. */
    private static long tlsSessions(RunningCarrier node) {
        long n = 0;
        Matcher m = TLS_COUNTS.matcher(node.shell("carrier:tlsrpt", "show"));
        while (m.find()) {
            n += Long.parseLong(m.group(1)) + Long.parseLong(m.group(2));
        }
        return n;
    }

    @Test
    void eachReportIsSentOnceWithBothNodesCounts() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertTrue(receive(a, "at a " + i).startsWith("250"));
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(receive(b, "at b " + i).startsWith("250"));
        }
        relay(a, "relayed by a");
        relay(b, "relayed by b 1");
        relay(b, "relayed by b 2");

        // every node adds its counts to the cluster's tallies every few seconds, so each shows both nodes' counts
        for (RunningCarrier node : List.of(a, b)) {
            assertTrue(Distribution.waitFor(30, () -> node.shell("carrier:dmarcrpt", "show").contains("5 from 127.0.0.1 header_from=sender.test")),
                    "not the cluster's sum:\n" + node.shell("carrier:dmarcrpt", "show") + "\n" + node.console());
            assertTrue(Distribution.waitFor(30, () -> tlsSessions(node) == 3),
                    "not the cluster's sum:\n" + node.shell("carrier:tlsrpt", "show") + "\n" + node.console());
        }

        String dmarcSent = a.shell("carrier:dmarcrpt", "send");
        assertTrue(dmarcSent.contains("for sender.test (") && dmarcSent.contains("5 messages")
                && dmarcSent.contains("mailto:dmarc@reports.test: queued as"), dmarcSent);
        String tlsSent = a.shell("carrier:tlsrpt", "send");
        assertTrue(tlsSent.contains("for dest.test (") && tlsSent.contains("mailto:tlsrpt@reports.test: queued as"), tlsSent);
        assertEquals("dmarc-report: no evaluations to report", b.shell("carrier:dmarcrpt", "send").strip(), "sent already, by a");
        String tlsAtB = b.shell("carrier:tlsrpt", "send").strip();
        assertTrue(!tlsAtB.contains("dest.test"), "sent already, by a: " + tlsAtB);

        List<SmtpSink.Received> mails = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SmtpSink.Received mail = reports.next(30);
            assertNotNull(mail, "the reports did not reach mx.reports.test:\n" + a.console());
            mails.add(mail);
        }
        assertNull(reports.next(5), "one report of each kind for the cluster, no more");
        SmtpSink.Received dmarc = mails.stream().filter(m -> m.to().equals(List.of("dmarc@reports.test"))).findFirst().orElseThrow();
        SmtpSink.Received tls = mails.stream().filter(m -> m.to().equals(List.of("tlsrpt@reports.test"))).findFirst().orElseThrow();

        String xml = ReportMail.reportXml(dmarc.content());
        assertNull(DmarcReportSchema.problem(xml), xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertEquals("5", XPathFactory.newInstance().newXPath().evaluate("sum(/feedback/record/row/count)", doc), xml);

        String json = ReportMail.reportJson(tls.content());
        assertEquals(List.of(), TlsReportSchema.problems(json), json);
        long sessions = 0;
        for (JsonNode policy : new ObjectMapper().readTree(json).get("policies")) {
            if (policy.get("policy").get("policy-domain").asString().equals("dest.test")) {
                sessions += policy.get("summary").get("total-successful-session-count").asLong()
                        + policy.get("summary").get("total-failure-session-count").asLong();
            }
        }
        assertEquals(3, sessions, json);
    }
}
