package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.text.Json;
import org.carrier.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two Carrier nodes sharing greylist and rate-limit state through a real redis-server, as an administrator sets them
 * up: the same config/org.carrier.cluster.cfg on both, the greylist and rate limit filters dropped into deploy/.
 * Node A fails open when Redis is away, node B fails closed. Clients on several loopback addresses stand for other
 * hosts (127.0.0.0/8 is not a trusted network here, so the filters apply); 127.0.0.60 is the one trusted client,
 * which relays to sink.test, a slow SMTP sink both nodes deliver to with at most 2 connections to it together.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final String RCPT = "postmaster@localhost";
    private static final String STREAM_USER = "stream";
    private static final String TRUSTED_CLIENT = "127.0.0.60";
    private static final int SINK_CONNECTIONS = 2;

    private RedisServer redis;
    private SmtpSink sink;
    private RunningCarrier a;
    private RunningCarrier b;
    private final AtomicInteger senders = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        Path parent = Files.createTempDirectory(Distribution.home().getParent(), "e2e-cluster-");
        redis = RedisServer.start(parent.resolve("redis"));
        sink = new SmtpSink();
        a = node(parent.resolve("a"), "a", "OPEN");
        b = node(parent.resolve("b"), "b", "CLOSED");
        for (RunningCarrier node : List.of(a, b)) {
            node.start();
            String log = node.awaitLog("cluster: connected to " + redis.uri());
            assertTrue(log.contains("cluster: connected to " + redis.uri()), "the cluster bundle is not active:\n" + node.console());
            // The deployed filters start just after the listener: wait until both answer (a new sender is greylisted).
            assertTrue(Distribution.waitFor(30, () -> send(node, "127.0.0.250", newSender()).startsWith("451 4.7.1 Greylisted")),
                    "greylist is not active:\n" + node.console());
        }
    }

    private RunningCarrier node(Path dir, String name, String clusterFailure) throws IOException {
        RunningCarrier node = new RunningCarrier(Files.createDirectories(dir));
        Path listener = node.home.resolve("config/org.carrier.smtp.listener-default.cfg");
        String text = Files.readString(listener, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("trustedNetworks = 127.0.0.0/8, ::1/128"), text);
        Files.writeString(listener, text.replace("trustedNetworks = 127.0.0.0/8, ::1/128",
                "trustedNetworks = ::1/128, " + TRUSTED_CLIENT + "/32"), StandardCharsets.ISO_8859_1);
        node.configure("org.carrier.route-sink.cfg", "domains = sink.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\n");
        node.configure("org.carrier.delivery.smtp.cfg", "maxConnectionsPerDestination = " + SINK_CONNECTIONS + "\n"
                + "clusterFailure = " + clusterFailure + "\n");
        node.configure("org.carrier.cluster.cfg", "uri = " + redis.uri() + "\nnodeName = " + name + "\ncommandTimeoutMillis = 300\n");
        // The two nodes fail differently on purpose (A open, B closed): those settings are declared node-local, as an
        // operator must for any setting that differs between nodes, or the configuration sync would make them one.
        node.configure("org.carrier.cluster.sync.cfg", "localPids = org.carrier.cluster, org.carrier.smtp.listener, "
                + "org.carrier.admin, org.carrier.queue, org.carrier.delivery.local, org.carrier.delivery.smtp, "
                + "org.carrier.filter.greylist, org.carrier.filter.ratelimit\n");
        // Each client address its own network and no automatic allowing: every decision reads the triplet.
        node.configure("org.carrier.filter.greylist.cfg", "delaySeconds = 1\nipv4PrefixLength = 32\nautoAllowAfter = 0\n"
                + "clusterFailure = " + clusterFailure + "\n");
        // Only the sender domain is limited: every message but the burst has a sender domain of its own.
        node.configure("org.carrier.filter.ratelimit.cfg", "messagesPerClient = 0\nrecipientsPerClient = 0\n"
                + "messagesPerSenderDomain = 4\nwindowSeconds = 3600\nclusterFailure = " + clusterFailure + "\n");
        for (String filter : List.of("greylist", "ratelimit")) {
            String jar = "org.carrier.filter." + filter + ".jar";
            Files.copy(node.home.resolve("extras").resolve(jar), node.home.resolve("deploy").resolve(jar));
        }
        return node;
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(a, b, redis, sink);
    }

    private String newSender() {
        return "s@d" + senders.incrementAndGet() + ".test";
    }

    /** One message from {@code client}; the first refusal, or the final reply to DATA. */
    private static String send(RunningCarrier node, String client, String sender) {
        return send(node, client, sender, RCPT, "cluster");
    }

    private static String send(RunningCarrier node, String client, String sender, String rcpt, String subject) {
        try {
            return SmtpClient.send(InetAddress.getByName(client), node.smtpPort, sender, List.of(rcpt), SmtpClient.message(subject, 200));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    @Order(1)
    void eachNodesRestStatusListsTheOtherAsAPeer() throws Exception {
        for (RunningCarrier node : List.of(a, b)) {
            RunningCarrier.Ran made = node.shellRun("carrier:token", "create", "cluster-it");
            assertEquals(0, made.status(), made.out() + made.err());
            String token = made.out().lines().filter(l -> l.startsWith("carrier_")).findFirst().orElseThrow();
            String self = node == a ? "a" : "b";
            String other = node == a ? "b" : "a";
            // each node announces itself every 10 s, so the other is listed within two of them
            assertTrue(Distribution.waitFor(30, () -> peers(cluster(node, token)).equals(List.of(other))),
                    self + "'s status lists " + other + " as its peer: " + cluster(node, token));
            assertEquals(self, cluster(node, token).get("node"));
            assertEquals(Boolean.TRUE, cluster(node, token).get("available"));
        }
    }

    /** The {@code cluster} member of the node's {@code GET /api/v1/status}. */
    private Map<?, ?> cluster(RunningCarrier node, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/api/v1/status"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            return (Map<?, ?>) ((Map<?, ?>) Json.parse(answer.body())).get("cluster");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Object> peers(Map<?, ?> cluster) {
        return ((List<?>) cluster.get("peers")).stream().map(p -> ((Map<?, ?>) p).get("name")).map(Object.class::cast).toList();
    }

    @Test
    @Order(2)
    void aRetryAtNodeBPassesAfterTheFirstAttemptAtNodeA() throws Exception {
        assertEquals("451 4.7.1 Greylisted, try again in 1 seconds", send(a, "127.0.0.9", "grey@grey.test"));
        assertEquals("451 4.7.1 Greylisted, try again in 1 seconds", send(b, "127.0.0.10", "grey@grey.test"), "another client is new at B");
        Thread.sleep(1100);
        String retry = send(b, "127.0.0.9", "grey@grey.test");
        assertTrue(retry.startsWith("250 "), "the retry at B after the delay: " + retry);
        assertTrue(send(a, "127.0.0.9", "grey@grey.test").startsWith("250 "), "and the triplet passes at A from now on");
    }

    @Test
    @Order(3)
    void aSenderDomainLimitHoldsForBothNodesTogether() {
        // The greylist defers each of these at RCPT, after the message has been counted at MAIL FROM: 2 at A, 2 at B.
        for (int i = 0; i < 4; i++) {
            String reply = send(i % 2 == 0 ? a : b, "127.0.0." + (20 + i), "x" + i + "@burst.test");
            assertTrue(reply.startsWith("451 4.7.1 Greylisted"), reply);
        }
        String over = "451 4.7.1 Rate limit exceeded: too many messages from sender-domain burst.test (at most 4 per 3600 s); try again later";
        assertEquals(over, send(a, "127.0.0.24", "x4@burst.test"), "A has counted 2 itself");
        assertEquals(over, send(b, "127.0.0.25", "x5@burst.test"), "B has counted 2 itself");
    }

    @Test
    @Order(4)
    void twoNodesTogetherKeepToADestinationsConnectionLimit() throws Exception {
        sink.withDataReplyDelay(500); // a slow receiver: each node's queue has several deliveries to it at once
        int messages = 16;
        for (int i = 0; i < messages; i++) {
            String reply = send(i % 2 == 0 ? a : b, TRUSTED_CLIENT, newSender(), "r" + i + "@sink.test", "limited-" + i);
            assertTrue(reply.startsWith("250 "), reply);
        }
        TreeSet<String> subjects = new TreeSet<>();
        for (int i = 0; i < messages; i++) {
            SmtpSink.Received received = sink.next(60);
            assertNotNull(received, "delivered so far: " + subjects + "\n" + a.console() + b.console());
            subjects.add(received.content().lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElse(""));
        }
        assertEquals(messages, subjects.size(), "each message once: " + subjects);
        // Each node alone would open 2 at once, 4 together; the cluster's slots keep both to 2 (and both reach it).
        assertEquals(SINK_CONNECTIONS, sink.mostConcurrentTransactions(), "transactions open at the sink at once");
    }

    @Test
    @Order(5)
    void redisStoppedMidStreamFailsOpenAtAAndClosedAtBAndNoMessageIsLost() throws Exception {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            accepted.add(deliver(i % 2 == 0 ? a : b, "before-" + i));
        }
        redis.stop();
        for (int i = 0; i < 4; i++) {
            accepted.add(deliver(a, "outage-a-" + i));
        }
        List<String> refusedAtB = List.of("outage-b-0", "outage-b-1");
        for (String subject : refusedAtB) {
            assertEquals("451 4.3.0 Cannot check the rate limits now (cluster state unavailable); try again later",
                    send(b, "127.0.0.40", newSender(), STREAM_USER + "@localhost", subject));
        }
        String logA = a.awaitLog("ratelimit: cluster state unavailable");
        assertTrue(logA.contains("counting on this node alone"), logA);
        assertTrue(logA.contains("greylist: cluster state unavailable") && logA.contains("deciding from this node's memory"), logA);
        assertEquals(1, count(logA, "ratelimit: cluster state unavailable"), "one line while it fails, not one a message");

        redis.restart();
        for (String subject : refusedAtB) {
            accepted.add(deliver(b, subject)); // the client's retry once Redis is back
        }
        accepted.add(deliver(a, "after-a"));
        assertTrue(a.awaitLog("ratelimit: cluster state available again").contains("ratelimit: cluster state available again"));

        List<String> delivered = new ArrayList<>();
        for (RunningCarrier node : List.of(a, b)) {
            Path maildir = node.maildir(STREAM_USER);
            assertTrue(Distribution.waitFor(30, () -> subjects(maildir).size() >= (node == a ? 7 : 4)), node.console());
            delivered.addAll(subjects(maildir));
        }
        delivered.sort(null);
        accepted.sort(null);
        assertEquals(accepted, delivered, "every message accepted once and delivered once");
    }

    /**
     * Sends a message with subject {@code subject} as a client's queue would: again after each temporary refusal
     * (a greylisting, Redis away), for at most 30 s; returns the subject once it was accepted.
     */
    private String deliver(RunningCarrier node, String subject) throws InterruptedException {
        String sender = newSender();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String reply;
        do {
            reply = send(node, "127.0.0.40", sender, STREAM_USER + "@localhost", subject);
            if (reply.startsWith("250 ")) {
                return subject;
            }
            assertTrue(reply.startsWith("451 "), subject + ": " + reply);
            Thread.sleep(1100); // past the greylisting delay: each attempt counts towards the sender domain limit
        } while (System.nanoTime() < deadline);
        throw new AssertionError(subject + " not accepted within 30 s, last: " + reply + "\n" + node.console());
    }

    private static List<String> subjects(Path maildir) {
        List<String> subjects = new ArrayList<>();
        for (Path mail : Distribution.newMail(maildir)) {
            try {
                for (String line : Files.readAllLines(mail, StandardCharsets.ISO_8859_1)) {
                    if (line.startsWith("Subject: ")) {
                        subjects.add(line.substring("Subject: ".length()));
                        break;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return subjects;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
