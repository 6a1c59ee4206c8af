package org.carrier.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.cluster.SharedValue;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared state against a real redis-server on loopback, two nodes as two clients. */
class RedisSharedStateTest {
    @TempDir
    Path dir;
    private RedisServer redis;
    private RedisSharedState nodeA;
    private RedisSharedState nodeB;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
        nodeA = node("a", redis.uri(), "carrier:");
        nodeB = node("b", redis.uri(), "carrier:");
        awaitTrue(() -> nodeA.isAvailable() && nodeB.isAvailable(), "both nodes connected");
    }

    @AfterEach
    void stop() {
        for (RedisSharedState node : new RedisSharedState[] {nodeA, nodeB}) {
            if (node != null) {
                node.stop();
            }
        }
        redis.close();
    }

    private static RedisSharedState node(String name, String uri, String prefix) {
        Map<String, Object> settings = Map.of("uri", uri, "nodeName", name, "keyPrefix", prefix, "commandTimeoutMillis", 300);
        return new RedisSharedState(AnnotationConfig.of(RedisSharedState.Config.class, settings), settings);
    }

    @Test
    void countersAreSharedAndExpireWithTheirWindow() throws Exception {
        assertEquals(1, nodeA.increment("ratelimit:x", 1, Duration.ofMillis(800)));
        assertEquals(3, nodeB.increment("ratelimit:x", 2, Duration.ofMillis(800)));
        assertEquals(List.of(3L, 0L), nodeA.counters(List.of("ratelimit:x", "ratelimit:never")));
        awaitTrue(() -> nodeB.counters(List.of("ratelimit:x")).get(0) == 0, "the counter expired with its window");
    }

    @Test
    void incrementAndReadCountsAndReadsInOneStep() throws Exception {
        assertEquals(List.of(1L, 1L, 0L), nodeA.incrementAndRead(List.of("ratelimit:c:1", "ratelimit:d:1"), 1,
                Duration.ofMillis(800), List.of("ratelimit:c:0")));
        nodeB.increment("ratelimit:c:0", 4, Duration.ofMinutes(1));
        assertEquals(List.of(2L, 4L, 2L), nodeB.incrementAndRead(List.of("ratelimit:c:1"), 1, Duration.ofMillis(800),
                List.of("ratelimit:c:0", "ratelimit:c:1")), "the read sees the increment of the same step");
        assertEquals(List.of(1L), nodeA.incrementAndRead(List.of("ratelimit:c:1"), -1, Duration.ofMillis(800), List.of()),
                "taken back");
        assertTrue(nodeA.get("ratelimit:d:1").orElseThrow().ttl().toMillis() <= 800, "a new counter expires with its window");
        awaitTrue(() -> nodeA.counters(List.of("ratelimit:c:1", "ratelimit:d:1")).equals(List.of(0L, 0L)), "both expired");
        assertEquals(List.of(), nodeA.incrementAndRead(List.of(), 1, Duration.ofSeconds(1), List.of()));
    }

    @Test
    void valuesKeepTheirTimeToLiveAndPutIfAbsentSetsOnce() {
        nodeA.put("greylist:t", "1 2 0", Duration.ofMinutes(5));
        SharedValue value = nodeB.get("greylist:t").orElseThrow();
        assertEquals("1 2 0", value.value());
        assertTrue(value.ttl().compareTo(Duration.ofMinutes(4)) > 0 && value.ttl().compareTo(Duration.ofMinutes(5)) <= 0, value::toString);
        assertTrue(nodeA.putIfAbsent("once", "a", Duration.ofMinutes(1)));
        assertFalse(nodeB.putIfAbsent("once", "b", Duration.ofMinutes(1)));
        assertEquals("a", nodeB.get("once").orElseThrow().value());
        nodeB.delete("once");
        assertTrue(nodeA.get("once").isEmpty());
    }

    /**
     * The report tallies' hash operations: two nodes add to one hash, an existing stop key refuses an addition whole
     * (what the node that closes a tally relies on), fields are set, read and removed, and a hash expires.
     */
    @Test
    void hashFieldsAddUpUntilAStopKeyExistsAndExpire() throws Exception {
        assertEquals(0, nodeA.addToFields("report:t", Map.of("row1", 2L, "row2", 1L), Duration.ofMillis(1500), "report:claim", 3));
        assertEquals(0, nodeB.addToFields("report:t", Map.of("row1", 3L), Duration.ofMinutes(5), "report:claim", 3));
        assertEquals(Map.of("row1", "5", "row2", "1"), nodeA.fields("report:t"));
        Map<String, Long> more = new java.util.LinkedHashMap<>(); // in this order: the fourth field comes after the third
        more.put("row3", 1L);
        more.put("row4", 4L);
        more.put("row1", 1L);
        assertEquals(4, nodeB.addToFields("report:t", more, Duration.ofMinutes(5), null, 3),
                "a third field fits, a fourth does not: its count is left out; known fields still count");
        assertEquals(Map.of("row1", "6", "row2", "1", "row3", "1"), nodeA.fields("report:t"));
        assertTrue(nodeB.putIfAbsent("report:claim", "b", Duration.ofMinutes(1)));
        assertEquals(-1, nodeA.addToFields("report:t", Map.of("row1", 1L, "row3", 1L), Duration.ofMinutes(5), "report:claim", 3));
        assertEquals(Map.of("row1", "6", "row2", "1", "row3", "1"), nodeB.fields("report:t"), "nothing of the refused addition");
        assertEquals(0, nodeA.addToFields("report:t", Map.of("row2", 1L), Duration.ofMinutes(5), null, 3), "no stop key: always");
        assertEquals("2", nodeB.fields("report:t").get("row2"));

        nodeA.putFields("report:index", Map.of("f1", "policy 1", "f2", "policy 2"), Duration.ofMinutes(5));
        nodeB.putFields("report:index", Map.of("f1", "policy 1b"), Duration.ofMinutes(5));
        nodeA.removeFields("report:index", List.of("f2", "never"));
        assertEquals(Map.of("f1", "policy 1b"), nodeB.fields("report:index"));
        assertEquals(Map.of(), nodeA.fields("report:none"));
        awaitTrue(() -> nodeA.fields("report:t").isEmpty(), "the hash expired 1.5 s after its first addition, not later");
    }

    @Test
    void theKeyPrefixSeparatesClusters() throws Exception {
        RedisSharedState other = node("c", redis.uri(), "other:");
        try {
            awaitTrue(other::isAvailable, "connected");
            nodeA.put("k", "mine", Duration.ofMinutes(1));
            assertTrue(other.get("k").isEmpty());
        } finally {
            other.stop();
        }
    }

    @Test
    void aLeaseIsHeldByOneNodeAtATime() throws Exception {
        assertTrue(nodeA.acquireLease("dmarc-report", Duration.ofMillis(600)));
        assertFalse(nodeB.acquireLease("dmarc-report", Duration.ofMillis(600)));
        assertTrue(nodeA.acquireLease("dmarc-report", Duration.ofMillis(600)), "renewed by its holder");
        nodeB.releaseLease("dmarc-report");
        assertFalse(nodeB.acquireLease("dmarc-report", Duration.ofMillis(600)), "only the holder releases");
        nodeA.releaseLease("dmarc-report");
        assertTrue(nodeB.acquireLease("dmarc-report", Duration.ofMillis(600)));
        awaitTrue(() -> nodeA.acquireLease("dmarc-report", Duration.ofMillis(600)), "a lease not renewed expires");
    }

    @Test
    void publishedMessagesReachSubscribersAcrossARestart() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        SharedState.Subscription subscription = nodeB.subscribe("config", received::add);
        awaitTrue(() -> nodeA.publish("config", "first") == 1, "subscribed");
        assertEquals("first", received.poll(5, TimeUnit.SECONDS));
        redis.restart();
        awaitTrue(() -> {
            try {
                return nodeA.publish("config", "after restart") == 1;
            } catch (SharedStateException e) {
                return false;
            }
        }, "resubscribed after the restart");
        assertEquals("after restart", received.poll(5, TimeUnit.SECONDS));
        subscription.close();
        awaitTrue(() -> nodeA.publish("config", "gone") == 0, "unsubscribed");
    }

    @Test
    void aStoppedRedisFailsCallsFastAndTheConnectionComesBack() throws Exception {
        redis.stop();
        awaitTrue(() -> !nodeA.isAvailable(), "the loss is seen");
        long start = System.nanoTime();
        assertThrows(SharedStateException.class, () -> nodeA.increment("n", 1, Duration.ofMinutes(1)));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(300 + 200), "refused within the command timeout");
        redis.restart();
        awaitTrue(nodeA::isAvailable, "reconnected");
        assertEquals(1, nodeA.increment("n", 1, Duration.ofMinutes(1)));
    }

    @Test
    void aSlowRedisTimesOutWithinTheCommandTimeout() throws Exception {
        redis.pauseClients(2000);
        long start = System.nanoTime();
        SharedStateException e = assertThrows(SharedStateException.class, () -> nodeA.increment("n", 1, Duration.ofMinutes(1)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 250 && millis < 1000, millis + " ms: " + e.getMessage());
        awaitTrue(() -> {
            try {
                return nodeA.increment("m", 1, Duration.ofMinutes(1)) >= 1;
            } catch (SharedStateException again) {
                return false;
            }
        }, "answers again after the pause");
    }

    @Test
    void noConnectionAtStartDelaysNothingAndConnectsLater() throws Exception {
        redis.stop();
        long start = System.nanoTime();
        RedisSharedState late = node("late", redis.uri(), "carrier:");
        try {
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "activation does not wait for Redis");
            assertThrows(SharedStateException.class, () -> late.get("k"));
            redis.restart();
            awaitTrue(late::isAvailable, "connected once Redis is there");
        } finally {
            late.stop();
        }
    }

    @Test
    void aBadUriIsRefusedAndTheConnectionInUseStays() {
        Map<String, Object> bad = Map.of("uri", "http://127.0.0.1:6379");
        nodeA.configure(AnnotationConfig.of(RedisSharedState.Config.class, bad), bad);
        nodeA.put("still", "here", Duration.ofMinutes(1));
        assertEquals("here", nodeB.get("still").orElseThrow().value());
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
