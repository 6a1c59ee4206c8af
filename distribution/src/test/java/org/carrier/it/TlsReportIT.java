package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.carrier.testing.NsdServer;
import org.carrier.testing.ReportMail;
import org.carrier.testing.TestCa;
import org.carrier.testing.TlsReportSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * TLS-RPT end to end (RFC 8460): the started distribution delivers to MX hosts found in a real nsd, the SMTP
 * transport records each session, {@code carrier:tlsrpt send} looks up the domain's {@code _smtp._tls} TXT record
 * and sends the gzipped JSON report to both its rua: mailto: through Carrier's own queue to another MX host (a
 * capturing sink), and https: by POST to a loopback HTTPS server whose certificate a test CA signed. The report
 * message's own TLS session is not counted (RFC 8460 §5.3).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsReportIT {
    private static final String DEST_MX = "127.0.0.41";
    private static final String REPORTS_MX = "127.0.0.42";

    private NsdServer nsd;
    private RunningCarrier carrier;
    private SmtpSink dest;
    private SmtpSink reports;
    private HttpsServer https;
    private final BlockingQueue<Posted> posted = new LinkedBlockingQueue<>();

    private record Posted(String contentType, byte[] body) {
    }

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-tlsrpt-");
        TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(ca.serverContext("localhost")));
        https.createContext("/tlsrpt", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                posted.add(new Posted(exchange.getRequestHeaders().getFirst("Content-Type"), in.readAllBytes()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        https.start();
        int mxPort = sinksOnOnePort();
        String rua = "mailto:tlsrpt@reports.test,https://localhost:" + https.getAddress().getPort() + "/tlsrpt";
        nsd = NsdServer.start(Map.of(
                "dest.test", "@ MX 10 mx.dest.test.\nmx A " + DEST_MX + "\n_smtp._tls TXT \"v=TLSRPTv1; rua=" + rua + "\"",
                // if the report's own delivery were counted, reports.test would have a report about it to receive
                "reports.test", "@ MX 10 mx.reports.test.\nmx A " + REPORTS_MX
                        + "\n_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:loop@reports.test\""), 60);
        carrier = new RunningCarrier(dir);
        // an unsigned test zone on a server without DNSSEC (default dnssec = validate: every answer insecure), so
        // tls = dane (the mx default) is opportunistic, reported as no-policy-found
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.route-tlsrpt.cfg", "domains = dest.test, reports.test\ntransport = mx\nport = " + mxPort + "\n");
        // one message a connection, so that each message is one TLS session (RFC 8460 counts sessions, not messages)
        carrier.configure("org.carrier.delivery.smtp.cfg", "maxMessagesPerConnection = 1\n");
        carrier.configure("org.carrier.tlsreport.cfg", "sender = reports@carrier.test\norganizationName = Carrier IT\n"
                + "tlsCaFile = " + ca.caPem() + "\n");
        carrier.start();
    }

    private int sinksOnOnePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = Distribution.freePort();
            try {
                dest = new SmtpSink(InetAddress.getByName(DEST_MX), port);
                reports = new SmtpSink(InetAddress.getByName(REPORTS_MX), port);
                return port;
            } catch (BindException taken) {
                if (dest != null) {
                    dest.close();
                }
            }
        }
        throw new IOException("no port free on both MX addresses");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, dest, reports, nsd, () -> https.stop(0));
    }

    @Test
    void theDaysSessionsAreReportedByMailAndByHttpsAndTheReportItselfIsNotCounted() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertTrue(SmtpClient.send(carrier.smtpPort, "alice@carrier.test", List.of("bob@dest.test"),
                    SmtpClient.message("to dest " + i, 100)).startsWith("250"));
            assertNotNull(dest.next(30), "no delivery to mx.dest.test:\n" + carrier.console());
        }
        assertTrue(Distribution.waitFor(10, () -> carrier.shell("carrier:tlsrpt", "show").contains("dest.test")),
                "the sessions to dest.test were not recorded:\n" + carrier.shell("carrier:tlsrpt", "show") + "\n" + carrier.console());

        String sent = carrier.shell("carrier:tlsrpt", "send");
        assertTrue(sent.contains("mailto:tlsrpt@reports.test: queued as"), sent);
        assertTrue(sent.contains("https://localhost:" + https.getAddress().getPort() + "/tlsrpt: HTTP 200"), sent);

        SmtpSink.Received mail = reports.next(30);
        assertNotNull(mail, "the report did not reach mx.reports.test:\n" + carrier.console());
        assertEquals("reports@carrier.test", mail.from());
        assertEquals(List.of("tlsrpt@reports.test"), mail.to());
        assertEquals("dest.test", ReportMail.header(mail.content(), "TLS-Report-Domain"));
        String json = ReportMail.reportJson(mail.content());
        assertEquals(List.of(), TlsReportSchema.problems(json), json);
        JsonNode report = new ObjectMapper().readTree(json);
        assertEquals("Carrier IT", report.get("organization-name").asString());
        JsonNode policy = report.get("policies").get(0);
        assertEquals(1, report.get("policies").size(), json);
        assertEquals("dest.test", policy.get("policy").get("policy-domain").asString());
        assertEquals("no-policy-found", policy.get("policy").get("policy-type").asString());
        // the sinks offer no STARTTLS: each session a starttls-not-supported failure, under no policy (no TLSA, no MTA-STS)
        assertEquals(0, policy.get("summary").get("total-successful-session-count").asLong(), json);
        assertEquals(2, policy.get("summary").get("total-failure-session-count").asLong(), json);
        JsonNode failure = policy.get("failure-details").get(0);
        assertEquals("starttls-not-supported", failure.get("result-type").asString(), json);
        assertEquals(2, failure.get("failed-session-count").asLong(), json);
        assertEquals("mx.dest.test", failure.get("receiving-mx-hostname").asString(), json);
        assertEquals(DEST_MX, failure.get("receiving-ip").asString(), json);

        Posted post = posted.poll(30, TimeUnit.SECONDS);
        assertNotNull(post, "nothing was posted to the https: rua:\n" + carrier.console());
        assertEquals("application/tlsrpt+gzip", post.contentType());
        assertEquals(json, gunzip(post.body()), "the same report by both ways");

        // A message of the ordinary kind to reports.test is recorded; the report that went there before is not.
        assertTrue(SmtpClient.send(carrier.smtpPort, "alice@carrier.test", List.of("carol@reports.test"),
                SmtpClient.message("to reports", 100)).startsWith("250"));
        assertNotNull(reports.next(30), "no delivery to mx.reports.test:\n" + carrier.console());
        assertTrue(Distribution.waitFor(10, () -> carrier.shell("carrier:tlsrpt", "show").contains("reports.test")));
        String shown = carrier.shell("carrier:tlsrpt", "show");
        assertEquals(1, sessions(shown, "reports.test"), "the report's own session was counted:\n" + shown);
    }

    /** Successful plus failed sessions on the show lines of a domain. */
    private static long sessions(String shown, String domain) {
        long n = 0;
        for (String line : shown.split("\n")) {
            if (line.startsWith(domain + " ")) {
                String[] words = line.trim().split("\\s+");
                for (int i = 0; i + 1 < words.length; i++) {
                    if (words[i].equals("successful") || words[i].equals("failed")) {
                        n += Long.parseLong(words[i + 1]);
                    }
                }
            }
        }
        return n;
    }

    private static String gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
