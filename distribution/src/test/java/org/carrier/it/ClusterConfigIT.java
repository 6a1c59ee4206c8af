package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;

import org.carrier.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Configuration shared by two Carrier nodes on a real redis-server, as an administrator works with it: a route edited in
 * node A's config/ folder is used by node B within 2 s (a message sent to B reaches the new route's SMTP sink) and is
 * written to B's config/ file; a node started after a change has it; changes made on both nodes while Redis was away
 * end in the later one everywhere, logged as a conflict.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterConfigIT {
    private static final String ROUTE_FILE = "org.carrier.route-partner.cfg";
    private static final String RCPT = "bob@partner.test";

    private RedisServer redis;
    private RunningCarrier a;
    private RunningCarrier b;
    private SmtpSink first;
    private SmtpSink second;

    @BeforeAll
    void start() throws Exception {
        Path parent = Files.createTempDirectory(Distribution.home().getParent(), "e2e-clustercfg-");
        redis = RedisServer.start(parent.resolve("redis"));
        first = new SmtpSink(InetAddress.getByName("127.0.0.15"), 0);
        second = new SmtpSink(InetAddress.getByName("127.0.0.16"), 0);
        a = node(parent.resolve("a"), "a");
        b = node(parent.resolve("b"), "b");
        a.configure(ROUTE_FILE, routeVia(first));
        a.start();
        assertTrue(a.awaitLog("configuration sync: caught up with the cluster as node a").contains("caught up"), a.console());
    }

    private RunningCarrier node(Path dir, String name) throws IOException {
        RunningCarrier node = new RunningCarrier(Files.createDirectories(dir));
        node.configure("org.carrier.cluster.cfg", "uri = " + redis.uri() + "\nnodeName = " + name + "\ncommandTimeoutMillis = 300\n");
        return node;
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(a, b, redis, first, second);
    }

    @Test
    @Order(1)
    void aNodeStartedLaterTakesTheRoutesOfTheClusterIntoItsConfigFolder() throws Exception {
        b.start();
        assertTrue(b.awaitLog("configuration sync: caught up with the cluster as node b").contains("caught up"), b.console());
        assertTrue(Distribution.waitFor(10, () -> routesTo(b, first)), "B did not take A's route:\n" + b.console());
        Path file = b.home.resolve("config").resolve(ROUTE_FILE);
        assertTrue(Distribution.waitFor(10, () -> nextHops(file).equals(hop(first))), "B's config/ has no file for the route: " + read(file));
        assertEquals(List.of(RCPT), deliveredVia(b, first).to());
    }

    @Test
    @Order(2)
    void aRouteEditedOnNodeAIsUsedByNodeBWithinTwoSecondsAndWrittenToItsFile() throws Exception {
        String applied = "configuration org.carrier.route~partner: applied node a's change of ";
        long before = applied(b, applied).count();
        a.configure(ROUTE_FILE, routeVia(second));
        assertTrue(Distribution.waitFor(15, () -> applied(b, applied).count() > before), "B did not apply A's change:\n" + b.console());
        // From the time A's sync saw the change (in the message) to B's log line: the machine's clock for both.
        String line = applied(b, applied).reduce((x, y) -> y).orElseThrow();
        Instant changed = Instant.parse(line.substring(line.indexOf(applied) + applied.length(), line.indexOf(" (version")));
        Instant atB = LocalDateTime.parse(line.substring(0, 23).replace(' ', 'T')).atZone(ZoneId.systemDefault()).toInstant();
        Duration took = Duration.between(changed, atB);
        System.out.println("route changed on A applied on B after " + took.toMillis() + " ms");
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, line);
        assertTrue(Distribution.waitFor(10, () -> routesTo(b, second)), "B does not use the new route:\n" + b.console());
        assertEquals(List.of(RCPT), deliveredVia(b, second).to());
        Path file = b.home.resolve("config").resolve(ROUTE_FILE);
        assertTrue(Distribution.waitFor(5, () -> nextHops(file).equals(hop(second))), "B's file: " + read(file));
        assertTrue(!read(a.home.resolve("config").resolve("org.carrier.cluster.cfg")).contains("nodeName = b")
                && read(b.home.resolve("config").resolve("org.carrier.cluster.cfg")).contains("nodeName = b"),
                "the cluster connection is each node's own");
    }

    @Test
    @Order(3)
    void aNodeDownDuringAChangeCatchesUpAtStartOverItsOldFile() throws Exception {
        b.stop();
        a.configure(ROUTE_FILE, routeVia(first));
        assertTrue(Distribution.waitFor(10, () -> routesTo(a, first)), a.console());
        Thread.sleep(1500); // A publishes on its next look at ConfigAdmin's event: well before B is back
        b.start();
        assertTrue(Distribution.waitFor(10, () -> routesTo(b, first)), "B did not catch up at start:\n" + b.console());
        Thread.sleep(2500); // B's FileInstall has scanned its folder meanwhile: the old file must not win back
        assertTrue(routesTo(b, first) && routesTo(a, first), "the route flipped back after start:\n" + b.console());
        assertEquals(List.of(RCPT), deliveredVia(b, first).to());
        assertEquals(hop(first), nextHops(b.home.resolve("config").resolve(ROUTE_FILE)));
    }

    @Test
    @Order(4)
    void changesOnBothNodesWhileRedisIsAwayEndInTheLaterOneLoggedAsAConflict() throws Exception {
        redis.stop();
        a.configure(ROUTE_FILE, routeVia(second));
        assertTrue(Distribution.waitFor(10, () -> routesTo(a, second)), "a local change applies locally: " + a.console());
        Thread.sleep(1200);
        b.configure(ROUTE_FILE, routeVia(second).replace("\n", "\norder = 7\n"));
        assertTrue(Distribution.waitFor(10, () -> b.shell("carrier:config", "org.carrier.route").contains("order = 7")), b.console());
        assertTrue(a.awaitLog("published when it is back").contains("configuration sync: cluster state unavailable"), a.console());
        redis.restart();
        assertTrue(Distribution.waitFor(20, () -> a.shell("carrier:config", "org.carrier.route").contains("order = 7")),
                "B's later change is not in force on A:\n" + a.console());
        String conflict = "configuration org.carrier.route~partner: conflicting changes, node b's change of ";
        assertTrue(Distribution.waitFor(10, () -> (a.console() + b.console()).contains(conflict)), a.console() + b.console());
        String line = (a.console() + b.console()).lines().filter(l -> l.contains(conflict)).findFirst().orElseThrow();
        assertTrue(line.contains(" and node a's change of ") && line.endsWith("the later, node b's, is in force on every node"), line);
        assertTrue(Distribution.waitFor(5, () -> read(a.home.resolve("config").resolve(ROUTE_FILE)).contains("order")),
                read(a.home.resolve("config").resolve(ROUTE_FILE)));
    }

    private static java.util.stream.Stream<String> applied(RunningCarrier node, String text) {
        return node.console().lines().filter(l -> l.contains(text));
    }

    private static String hop(SmtpSink sink) {
        return sink.hostAndPort();
    }

    private static String routeVia(SmtpSink sink) {
        return "domains = partner.test\ntransport = smtp\nnextHops = " + hop(sink) + "\n";
    }

    private static boolean routesTo(RunningCarrier node, SmtpSink sink) {
        return node.shell("carrier:route", RCPT).contains(hop(sink));
    }

    /** Sends a message to {@code node} for the partner and returns what {@code sink} received within 30 s. */
    private static SmtpSink.Received deliveredVia(RunningCarrier node, SmtpSink sink) throws Exception {
        String reply = SmtpClient.send(node.smtpPort, "alice@client.test", List.of(RCPT), SmtpClient.message("cluster config", 100));
        assertTrue(reply.startsWith("250 "), reply);
        SmtpSink.Received received = sink.next(30);
        assertNotNull(received, "nothing reached " + hop(sink) + ":\n" + node.console());
        return received;
    }

    /** The route file's nextHops as FileInstall and Carrier read it (a .cfg file is a properties file). */
    private static String nextHops(Path file) {
        java.util.Properties p = new java.util.Properties();
        try (var in = new java.io.StringReader(read(file))) {
            p.load(in);
        } catch (IOException e) {
            return "";
        }
        return p.getProperty("nextHops", "").replaceAll("^\\[ \"|\" \\]$|^\"|\"$", "");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
