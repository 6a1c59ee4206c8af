package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.carrier.testing.NsdServer;
import org.carrier.testing.StsPolicyServer;
import org.carrier.testing.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MTA-STS end to end (issue 16): the real distribution on an mx route with the default {@code tls}, nsd serving the
 * domains' MX, {@code _mta-sts} TXT and policy host records, a policy host on 127.54.x.1:443 (the JDK's HTTPS server
 * with a certificate of a CA made here, trusted through the mta-sts and delivery {@code tlsCaFile}), and MX hosts on
 * 127.54.x.y: one with STARTTLS and a certificate for its name, the others without STARTTLS, as a host looks to a
 * sender after an attacker stripped it from the EHLO reply.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtaStsIT {
    private static final String SENDER = "sender@localhost";
    private static final String ZONE = "sts.test";

    private NsdServer nsd;
    private StsPolicyServer policies;
    private RunningCarrier carrier;
    private final List<SmtpSink> sinks = new ArrayList<>();
    private SmtpSink verified;
    private SmtpSink stripped;
    private SmtpSink testing;
    private SmtpSink cached;
    private SmtpSink mismatch;

    @BeforeAll
    void start() throws Exception {
        String net = "127.54." + ThreadLocalRandom.current().nextInt(1, 255) + ".";
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-mta-sts-");
        TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
        policies = StsPolicyServer.start(net + "1", ca.serverContext("mta-sts.enforce." + ZONE, "mta-sts.strip." + ZONE,
                "mta-sts.testing." + ZONE, "mta-sts.cached." + ZONE, "mta-sts.mismatch." + ZONE));
        for (String domain : List.of("enforce", "strip", "cached")) {
            policies.put("mta-sts." + domain + "." + ZONE, StsPolicyServer.Answer.policy(
                    "version: STSv1\nmode: enforce\nmx: mx." + domain + "." + ZONE + "\nmax_age: 86400\n"));
        }
        // a policy whose mx patterns do not name the domain's MX host (an MX record an attacker changed looks so)
        policies.put("mta-sts.mismatch." + ZONE, StsPolicyServer.Answer.policy(
                "version: STSv1\nmode: enforce\nmx: mx.elsewhere." + ZONE + "\nmax_age: 86400\n"));
        policies.put("mta-sts.testing." + ZONE, StsPolicyServer.Answer.policy(
                "version: STSv1\nmode: testing\nmx: mx.testing." + ZONE + "\nmax_age: 86400\n"));
        int port = sinks(net, ca);
        StringBuilder zone = new StringBuilder();
        int host = 11;
        for (String domain : List.of("enforce", "strip", "testing", "cached", "mismatch")) {
            zone.append(domain).append(" MX 10 mx.").append(domain).append('.').append(ZONE).append(".\n")
                    .append("mx.").append(domain).append(" A ").append(net).append(host++).append('\n')
                    .append("_mta-sts.").append(domain).append(" TXT \"v=STSv1; id=20261207T1;\"\n")
                    .append("mta-sts.").append(domain).append(" A ").append(net).append("1\n");
        }
        nsd = NsdServer.start(Map.of(ZONE, zone.toString()), 60);
        carrier = new RunningCarrier(dir);
        // the default dnssec = validate against an authoritative nsd without the root's DNSKEY set: every answer is
        // insecure (a resolver without DNSSEC), so DANE never applies and MTA-STS decides
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.route-sts.cfg", "domains = *." + ZONE + "\ntransport = mx\nport = " + port + "\n");
        carrier.configure("org.carrier.mta.sts.cfg", "tlsCaFile = " + ca.caPem() + "\nfetchTimeoutSeconds = 10\n");
        String delivery = Files.readString(carrier.home.resolve("config/org.carrier.delivery.smtp.cfg"));
        carrier.configure("org.carrier.delivery.smtp.cfg", delivery.replace("tlsCaFile =", "tlsCaFile = " + ca.caPem()));
        carrier.configure("org.carrier.queue.cfg", "retryDelays = 1h\nmaxLifetime = 1d\n");
        carrier.start();
    }

    /** The MX hosts, all on one port free on each of their addresses (as they all would be on 25). */
    private int sinks(String net, TestCa ca) throws Exception {
        javax.net.ssl.SSLContext mxCertificate = ca.serverContext("mx.enforce." + ZONE, "mx.mismatch." + ZONE);
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = Distribution.freePort();
            try {
                verified = add(new SmtpSink(InetAddress.getByName(net + "11"), port).withStartTls(mxCertificate));
                stripped = add(new SmtpSink(InetAddress.getByName(net + "12"), port));
                testing = add(new SmtpSink(InetAddress.getByName(net + "13"), port));
                cached = add(new SmtpSink(InetAddress.getByName(net + "14"), port));
                mismatch = add(new SmtpSink(InetAddress.getByName(net + "15"), port).withStartTls(mxCertificate));
                return port;
            } catch (BindException taken) {
                closeSinks();
            }
        }
        throw new java.io.IOException("no port free on all the MX addresses");
    }

    private SmtpSink add(SmtpSink sink) {
        sinks.add(sink);
        return sink;
    }

    private void closeSinks() throws java.io.IOException {
        for (SmtpSink sink : sinks) {
            sink.close();
        }
        sinks.clear();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, this::closeSinks, policies, nsd);
    }

    private String send(String recipient) throws Exception {
        return SmtpClient.send(carrier.smtpPort, SENDER, List.of(recipient), SmtpClient.message("mta-sts", 100));
    }

    /** The queue listing once it shows {@code recipient} deferred (the first attempt made), or as it is after 30 s. */
    private String deferred(String recipient) throws Exception {
        String[] listing = {""};
        Distribution.waitFor(30, () -> {
            try {
                listing[0] = carrier.bin("carrier", "", "shell", "carrier:queue").out();
            } catch (Exception e) {
                listing[0] = e.toString();
            }
            return listing[0].contains("deferred  " + recipient);
        });
        return listing[0];
    }

    /** What {@code carrier:tlsrpt show} says is waiting to be reported. */
    private String tlsReports() {
        try {
            return carrier.bin("carrier", "", "shell", "carrier:tlsrpt", "show").out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    @Order(1)
    void anEnforcePolicyWithAMatchingMxDeliversOverVerifiedTls() throws Exception {
        assertTrue(send("bob@enforce." + ZONE).startsWith("250"));
        SmtpSink.Received mail = verified.next(30);
        assertNotNull(mail, "not delivered to the MX host the policy names:\n" + carrier.awaitLog("enforce." + ZONE));
        assertEquals(1, verified.tlsSessions(), "delivered in the clear");
        String log = carrier.awaitLog("Verified TLS connection established to mx.enforce." + ZONE);
        assertTrue(log.contains("mta-sts: enforce.sts.test: policy id 20261207T1 fetched: mode enforce, mx mx.enforce.sts.test"), log);
        assertTrue(log.contains("Verified TLS connection established to mx.enforce." + ZONE), log);
    }

    @Test
    @Order(2)
    void aStrippedStartTlsUnderEnforceIsDeferredNotSent() throws Exception {
        assertTrue(send("bob@strip." + ZONE).startsWith("250"));
        String queue = deferred("bob@strip." + ZONE);
        assertTrue(queue.contains("4.7.5") && queue.contains("STARTTLS not offered"), queue);
        assertNull(stripped.next(1), "sent in the clear despite the enforce policy");
    }

    @Test
    @Order(3)
    void anMxHostThePolicyDoesNotNameIsNotUsed() throws Exception {
        assertTrue(send("bob@mismatch." + ZONE).startsWith("250"));
        String queue = deferred("bob@mismatch." + ZONE);
        assertTrue(queue.contains("4.7.5") && queue.contains("mx.mismatch.sts.test is not in the policy's mx"), queue);
        assertNull(mismatch.next(1), "sent to an MX host the enforce policy does not name");
        assertEquals(0, mismatch.tlsSessions());
    }

    @Test
    @Order(4)
    void aTestingPolicyDeliversAndReportsTheFailure() throws Exception {
        assertTrue(send("bob@testing." + ZONE).startsWith("250"));
        SmtpSink.Received mail = testing.next(30);
        assertNotNull(mail, "mode testing must not hold mail back:\n" + carrier.awaitLog("testing." + ZONE));
        assertTrue(carrier.awaitLog("mta-sts: testing.sts.test: policy id 20261207T1 fetched: mode testing")
                .contains("mode testing"));
        // RFC 8461 §5: testing delivers, but the failure goes to TLS-RPT, under the sts policy with its mx patterns
        String[] shown = {""};
        Distribution.waitFor(10, () -> (shown[0] = tlsReports()).contains("starttls-not-supported  mx.testing." + ZONE));
        assertTrue(shown[0].contains("testing.sts.test  since "), shown[0]);
        assertTrue(shown[0].contains("  sts  mx mx.testing.sts.test  successful 0  failed 1"), shown[0]);
        assertTrue(shown[0].contains("1 starttls-not-supported  mx.testing." + ZONE + "["), shown[0]);
    }

    @Test
    @Order(5)
    void aCachedEnforcePolicySurvivesARestartWithThePolicyHostDown() throws Exception {
        assertTrue(send("bob@cached." + ZONE).startsWith("250"));
        assertTrue(deferred("bob@cached." + ZONE).contains("4.7.5"));
        carrier.stop();
        policies.close(); // nothing answers on 443 any more
        carrier.start();
        assertTrue(send("alice@cached." + ZONE).startsWith("250"));
        String queue = deferred("alice@cached." + ZONE);
        assertTrue(queue.contains("4.7.5"), queue);
        assertNull(cached.next(1), "sent in the clear after the restart: the cached enforce policy was lost");
        assertTrue(Files.exists(carrier.home.resolve("data/mta-sts/cached.sts.test.policy")));
        // and the route report says which policy is in force, and how old the cached copy is
        RunningCarrier.Ran route = carrier.bin("carrier", "", "shell", "carrier:route", "alice@cached." + ZONE);
        assertTrue(route.out().contains("MTA-STS policy 20261207T1: mode enforce, mx [mx.cached.sts.test], fetched"), route.out());
        assertTrue(route.out().contains("mx.cached.sts.test: mta-sts-enforce"), route.out());
        assertEquals(0, route.status(), route.err());
    }
}
