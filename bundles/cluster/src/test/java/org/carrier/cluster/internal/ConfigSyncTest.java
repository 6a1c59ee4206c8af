package org.carrier.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.carrier.api.cluster.SharedState;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.MutableClock;
import org.carrier.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration sync of several nodes on a real redis-server; each node's ConfigAdmin is a map here. */
class ConfigSyncTest {
    private static final SyncedPids PIDS = new SyncedPids(List.of("org.carrier."),
            List.of("org.carrier.cluster", "org.carrier.smtp.listener"));
    private static final String ROUTE = "org.carrier.route~partner";
    private static final String PROBE = "probe";

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<Node> nodes = new ArrayList<>();

    /** One node: its shared state, its configurations, the messages its subscription got, its log. */
    private final class Node {
        final RedisSharedState state;
        final MapConfigs configs = new MapConfigs();
        final BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        final List<String> log = new ArrayList<>();
        final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));
        final ConfigSync sync;
        final SharedState.Subscription subscription;
        final String name;

        Node(String name) {
            this.name = name;
            Map<String, Object> settings = Map.of("uri", redis.uri(), "nodeName", name, "commandTimeoutMillis", 2000); // a loaded build machine
            state = new RedisSharedState(AnnotationConfig.of(RedisSharedState.Config.class, settings), settings);
            awaitTrue(state::isAvailable, name + " connected");
            sync = new ConfigSync(state, configs, PIDS, clock, log::add, log::add);
            subscription = state.subscribe(ConfigSync.CHANNEL, inbox::add);
            // SUBSCRIBE completes in the background: a probe that comes back shows this node hears the channel.
            awaitTrue(() -> probed(state) && inbox.contains(PROBE), name + " subscribed");
            nodes.add(this);
        }

        private static boolean probed(SharedState state) {
            try {
                return state.publish(ConfigSync.CHANNEL, PROBE) > 0;
            } catch (org.carrier.api.cluster.SharedStateException e) {
                return false; // not connected yet
            }
        }

        /** An administrator's change here, as ConfigAdmin reports it. */
        void change(String pid, String factory, Map<String, Object> properties) {
            configs.put(pid, factory, properties);
            sync.changedHere(pid);
        }

        /**
         * Hands the messages that arrived (waiting 2 s for the first) to the sync, as the component's thread does;
         * returns how many came from other nodes.
         */
        int deliver() throws InterruptedException {
            int n = 0;
            for (String m = inbox.poll(2, TimeUnit.SECONDS); m != null; m = inbox.poll(200, TimeUnit.MILLISECONDS)) {
                if (!m.equals(PROBE)) {
                    sync.received(m); // this node's own messages too: the sync ignores them
                    n += ConfigChange.decode(m).origin().equals(name) ? 0 : 1;
                }
            }
            return n;
        }

        String logText() {
            return String.join("\n", log);
        }
    }

    /** A node's configurations; {@link #applied} counts the changes the sync made to it. */
    static final class MapConfigs implements LocalConfigs {
        final Map<String, Map<String, Object>> configs = new HashMap<>();
        final Map<String, String> factories = new HashMap<>();
        int applied;

        void put(String pid, String factory, Map<String, Object> properties) {
            if (properties == null) {
                configs.remove(pid);
            } else {
                configs.put(pid, new TreeMap<>(properties));
                if (factory != null) {
                    factories.put(pid, factory);
                }
            }
        }

        @Override
        public Set<String> pids() {
            return Set.copyOf(configs.keySet());
        }

        @Override
        public Map<String, Object> properties(String pid) {
            return configs.get(pid);
        }

        @Override
        public String factoryPid(String pid) {
            return factories.get(pid);
        }

        @Override
        public void apply(ConfigChange change) {
            applied++;
            put(change.pid(), change.factoryPid(), change.deleted() ? null : change.properties());
        }
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
    }

    @AfterEach
    void stop() {
        for (Node node : nodes) {
            node.subscription.close();
            node.state.stop();
        }
        redis.close();
    }

    private static Map<String, Object> route(String nextHop) {
        return Map.of("domains", new String[] {"partner.test"}, "transport", "smtp", "nextHops", nextHop, "port", 25);
    }

    private long version(Node node) {
        return node.state.counters(List.of(ConfigSync.VERSION_KEY)).get(0);
    }

    @Test
    void aChangeOnOneNodeIsAppliedOnTheOtherOnceWithItsTypesAndNotEchoed() throws Exception {
        Node a = new Node("a");
        Node b = new Node("b");
        a.sync.start();
        b.sync.start();
        a.change(ROUTE, "org.carrier.route", route("10.0.0.1:25"));
        assertEquals(1, b.deliver());
        Map<String, Object> atB = b.configs.properties(ROUTE);
        assertEquals(ConfigChange.fingerprint(route("10.0.0.1:25")), ConfigChange.fingerprint(atB));
        assertEquals(25, atB.get("port"), "an Integer stays an Integer");
        assertEquals("org.carrier.route", b.configs.factoryPid(ROUTE));
        assertTrue(b.logText().contains("configuration " + ROUTE + ": applied node a's change of 2026-12-07T12:00:00Z (version 1)"),
                b.logText());

        long before = version(a);
        b.sync.changedHere(ROUTE); // ConfigAdmin's event for the sync's own update at B
        a.sync.changedHere(ROUTE); // and a rewrite of the same settings at A
        assertEquals(before, version(a), "nothing published again");
        assertEquals(0, a.deliver(), "no echo reaches A");
        assertEquals(1, b.configs.applied);

        b.change(ROUTE, "org.carrier.route", null); // deleted at B
        assertEquals(1, a.deliver());
        assertNull(a.configs.properties(ROUTE), "the deletion applies at A");
    }

    @Test
    void nodeLocalConfigurationsStayOnTheirNode() throws Exception {
        Node a = new Node("a");
        Node b = new Node("b");
        a.sync.start();
        b.sync.start();
        a.change("org.carrier.smtp.listener~default", "org.carrier.smtp.listener", Map.of("port", "2525"));
        a.change("org.carrier.cluster", null, Map.of("nodeName", "a"));
        a.change("org.ops4j.pax.logging", null, Map.of("log4j2.rootLogger.level", "DEBUG"));
        assertEquals(0, version(a), "none of them is published");
        assertEquals(0, b.deliver());
        assertTrue(b.configs.configs.isEmpty());
    }

    @Test
    void aNodeStartedLaterTakesTheClusterCopiesAndPublishesWhatOnlyItHas() throws Exception {
        Node a = new Node("a");
        a.sync.start();
        a.change(ROUTE, "org.carrier.route", route("10.0.0.2:25"));
        a.change("org.carrier.filter.greylist", null, Map.of("delaySeconds", "60"));
        a.change("org.carrier.route~gone", "org.carrier.route", route("10.0.0.9:25"));
        a.change("org.carrier.route~gone", "org.carrier.route", null);

        Node c = new Node("c"); // down until now, with the shipped route and one of its own
        c.configs.put(ROUTE, "org.carrier.route", route("10.0.0.1:25"));
        c.configs.put("org.carrier.route~gone", "org.carrier.route", route("10.0.0.9:25"));
        c.configs.put("org.carrier.filter.spf", null, Map.of("failAction", "reject"));
        c.sync.start();
        assertEquals(ConfigChange.fingerprint(route("10.0.0.2:25")), ConfigChange.fingerprint(c.configs.properties(ROUTE)));
        assertEquals("60", c.configs.properties("org.carrier.filter.greylist").get("delaySeconds"));
        assertNull(c.configs.properties("org.carrier.route~gone"), "deleted on the cluster meanwhile");
        a.deliver();
        assertEquals("reject", a.configs.properties("org.carrier.filter.spf").get("failAction"), "C's own configuration is shared");

        // FileInstall loading C's old file again after the catch-up: stale, the cluster's copy stays.
        long before = version(c);
        c.change(ROUTE, "org.carrier.route", route("10.0.0.1:25"));
        assertEquals(before, version(c));
        assertEquals(ConfigChange.fingerprint(route("10.0.0.2:25")), ConfigChange.fingerprint(c.configs.properties(ROUTE)));
        assertTrue(c.logText().contains("loaded again; keeping the cluster's"), c.logText());
    }

    @Test
    void conflictingChangesEndInTheLaterOneEverywhereWithOneLineOnEachNode() throws Exception {
        Node a = new Node("a");
        Node b = new Node("b");
        a.sync.start();
        b.sync.start();
        a.change(ROUTE, "org.carrier.route", route("10.0.0.1:25"));
        b.deliver();
        // Both change the route before either hears of the other's change.
        b.clock.advance(Duration.ofSeconds(5));
        b.change(ROUTE, "org.carrier.route", route("10.0.0.3:25"));
        // A changes it too before it has read B's message: publishing, it sees B's stored copy.
        a.clock.advance(Duration.ofSeconds(6));
        a.change(ROUTE, "org.carrier.route", route("10.0.0.4:25"));
        a.deliver();
        b.deliver();
        String winner = ConfigChange.fingerprint(route("10.0.0.4:25"));
        assertEquals(winner, ConfigChange.fingerprint(a.configs.properties(ROUTE)));
        assertEquals(winner, ConfigChange.fingerprint(b.configs.properties(ROUTE)));
        for (Node node : List.of(a, b)) {
            List<String> lines = node.log.stream().filter(l -> l.contains("conflicting changes")).toList();
            assertEquals(1, lines.size(), node.logText());
            assertTrue(lines.get(0).contains("configuration " + ROUTE + ": conflicting changes, node a's change of 2026-12-07T12:00:06Z")
                    && lines.get(0).contains("node b's change of 2026-12-07T12:00:05Z")
                    && lines.get(0).endsWith("the later, node a's, is in force on every node"), lines.get(0));
        }
    }

    @Test
    void aChangeMadeWhileRedisIsDownAppliesHereAndIsPublishedWhenItIsBack() throws Exception {
        Node a = new Node("a");
        Node b = new Node("b");
        a.sync.start();
        b.sync.start();
        redis.stop();
        a.change(ROUTE, "org.carrier.route", route("10.0.0.5:25"));
        assertEquals(1, a.sync.pendingCount());
        assertTrue(a.logText().contains("configuration sync: cluster state unavailable")
                && a.logText().contains("1 configuration change(s) made here stay in force here and are published when it is back"),
                a.logText());
        redis.restart();
        awaitTrue(() -> a.state.isAvailable() && b.state.isAvailable(), "reconnected");
        a.sync.resync();
        assertEquals(0, a.sync.pendingCount());
        b.sync.resync(); // B catches up after the outage too, whether or not the message reached it
        assertEquals(ConfigChange.fingerprint(route("10.0.0.5:25")), ConfigChange.fingerprint(b.configs.properties(ROUTE)));
        b.deliver();
        assertEquals(1, b.configs.applied, "applied once, from the copy or the message");
    }

    @Test
    void theTextFormKeepsEveryTypeAndAwkwardValues() {
        Map<String, Object> props = new HashMap<>();
        props.put("text", "a b\nc=d %20 +");
        props.put("empty", "");
        props.put("list", new String[] {"", "x y", ","});
        props.put("ints", new int[] {1, 2});
        props.put("flag", Boolean.TRUE);
        props.put("big", 5_000_000_000L);
        props.put("vector", new java.util.Vector<>(List.of(1, 2)));
        ConfigChange change = new ConfigChange("org.carrier.x~y z", "org.carrier.x", "node 1", 7, 3,
                Instant.parse("2026-12-07T12:00:00Z"), false, props);
        ConfigChange back = ConfigChange.decode(change.encode());
        assertEquals(change.fingerprint(), back.fingerprint());
        assertEquals("org.carrier.x~y z", back.pid());
        assertEquals("node 1", back.origin());
        assertEquals(7, back.version());
        assertEquals(3, back.base());
        assertEquals(5_000_000_000L, back.properties().get("big"));
        assertTrue(back.properties().get("ints") instanceof int[]);
        assertEquals(3, ((String[]) back.properties().get("list")).length);
        assertFalse(back.deleted());
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
