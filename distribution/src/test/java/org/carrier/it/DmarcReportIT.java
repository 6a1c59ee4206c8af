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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;

import org.carrier.testing.DmarcReportSchema;
import org.carrier.testing.NsdServer;
import org.carrier.testing.ReportMail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.w3c.dom.Document;

/**
 * DMARC aggregate reports end to end (RFC 7489 §7.2): the started distribution with the dmarc filter deployed takes
 * mail over SMTP on a listener that does not trust loopback, evaluates the From domains' policies published in a
 * real nsd, keeps the counts across a restart, and {@code carrier:dmarcrpt send} mails the report through Carrier's
 * own queue to the rua's MX host (a capturing sink): to an external destination that agrees in DNS (§7.1), not to
 * one that does not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DmarcReportIT {
    private static final String REPORTS_MX = "127.0.0.43";

    private NsdServer nsd;
    private RunningCarrier carrier;
    private SmtpSink reports;
    private int inboundPort;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-dmarcrpt-");
        int mxPort = sinkPort();
        nsd = NsdServer.start(Map.of(
                "sender.test", "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.test,https://reports.test/dmarc\"",
                "stranger.test", "_dmarc TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.test\"",
                "reports.test", "@ MX 10 mx.reports.test.\nmx A " + REPORTS_MX
                        + "\nsender.test._report._dmarc TXT \"v=DMARC1\""), 60);
        carrier = new RunningCarrier(dir);
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.route-reports.cfg", "domains = reports.test\ntransport = mx\nport = " + mxPort + "\ntls = none\n");
        inboundPort = Distribution.freePort();
        // an MX listener that trusts no loopback client, so the test's mail is evaluated as a stranger's
        carrier.configure("org.carrier.smtp.listener-inbound.cfg", "name = inbound\nbindAddress = 127.0.0.1\nport = "
                + inboundPort + "\ntrustedNetworks = 192.0.2.0/24\n");
        carrier.configure("org.carrier.dmarc.report.cfg", "sender = dmarc-reports@carrier.test\norganizationName = Carrier IT\n");
        String jar = "org.carrier.filter.dmarc.jar";
        Files.copy(carrier.home.resolve("extras").resolve(jar), carrier.home.resolve("deploy").resolve(jar));
        carrier.start();
        assertTrue(Distribution.waitFor(30, () -> carrier.shell("carrier:dmarcrpt", "show").contains("no evaluations")),
                "the DMARC reporter never started:\n" + carrier.shell("carrier:dmarcrpt", "show") + "\n" + carrier.console());
    }

    private int sinkPort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = Distribution.freePort();
            try {
                reports = new SmtpSink(InetAddress.getByName(REPORTS_MX), port);
                return port;
            } catch (BindException taken) {
                // try another
            }
        }
        throw new IOException("no port free on " + REPORTS_MX);
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, reports, nsd);
    }

    private String receive(String fromDomain, String subject) throws IOException {
        String message = "From: someone@" + fromDomain + "\r\nTo: alice@localhost\r\nSubject: " + subject + "\r\n\r\nHello.\r\n";
        return SmtpClient.send(inboundPort, "someone@" + fromDomain, List.of("alice@localhost"), message);
    }

    @Test
    void theEvaluationsOutliveARestartAndTheReportGoesOnlyWhereDnsAllows() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertTrue(receive("sender.test", "dmarc " + i).startsWith("250"));
        }
        assertTrue(receive("stranger.test", "stranger").startsWith("250"));
        assertTrue(Distribution.waitFor(10, () -> carrier.shell("carrier:dmarcrpt", "show").contains("3 from 127.0.0.1 header_from=sender.test")),
                "not recorded:\n" + carrier.shell("carrier:dmarcrpt", "show") + "\n" + carrier.console());

        carrier.stop();
        Path state = carrier.home.resolve("data/dmarc-report/evaluations.tsv");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        carrier.start();
        assertTrue(Distribution.waitFor(30, () -> carrier.shell("carrier:dmarcrpt", "show").contains("3 from 127.0.0.1 header_from=sender.test")),
                "the counts did not survive the restart:\n" + carrier.shell("carrier:dmarcrpt", "show") + "\n" + carrier.console());

        String sent = carrier.shell("carrier:dmarcrpt", "send");
        assertTrue(sent.contains("for sender.test (") && sent.contains("mailto:dmarc@reports.test: queued as"), sent);
        assertTrue(sent.contains("https://reports.test/dmarc (scheme https: not for aggregate reports"), sent);
        assertTrue(sent.contains("no report for stranger.test") && sent.contains("mailto:dmarc@reports.test (external "
                + "destination not authorized: no v=DMARC1 TXT record at stranger.test._report._dmarc.reports.test)"), sent);

        SmtpSink.Received mail = reports.next(30);
        assertNotNull(mail, "the report did not reach mx.reports.test:\n" + carrier.console());
        assertEquals("dmarc-reports@carrier.test", mail.from());
        assertEquals(List.of("dmarc@reports.test"), mail.to());
        assertTrue(ReportMail.header(mail.content(), "Subject").startsWith("Report Domain: sender.test Submitter: carrier.test Report-ID: <"),
                mail.content());
        String xml = ReportMail.reportXml(mail.content());
        assertNull(DmarcReportSchema.problem(xml), xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        var xpath = XPathFactory.newInstance().newXPath();
        assertEquals("Carrier IT", xpath.evaluate("/feedback/report_metadata/org_name", doc));
        assertEquals("sender.test", xpath.evaluate("/feedback/policy_published/domain", doc));
        assertEquals("3", xpath.evaluate("sum(/feedback/record/row/count)", doc), xml);
        assertEquals("127.0.0.1", xpath.evaluate("/feedback/record/row/source_ip", doc));
        assertEquals("none", xpath.evaluate("/feedback/record/row/policy_evaluated/disposition", doc));
        assertEquals("fail", xpath.evaluate("/feedback/record/row/policy_evaluated/dkim", doc), "no DKIM filter deployed");
        assertNull(reports.next(3), "nothing for stranger.test");
    }

}
