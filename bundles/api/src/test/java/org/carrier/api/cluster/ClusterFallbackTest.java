package org.carrier.api.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ClusterFallbackTest {
    /** A cluster whose every call works; what the clustered decision does with it is the test's function. */
    private static final SharedState CLUSTER = (SharedState) Proxy.newProxyInstance(SharedState.class.getClassLoader(),
            new Class<?>[] {SharedState.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException(method.getName());
            });

    private final List<String> lines = new ArrayList<>();
    private final ClusterFallback fallback = new ClusterFallback("greylist", "deciding from this node's memory", lines::add);

    private static String unreachable(SharedState shared) {
        throw new SharedStateException("connection refused", null);
    }

    @Test
    void withoutAClusterTheNodeDecidesAloneAndNothingIsLogged() {
        assertEquals("local", fallback.decide(null, ClusterFailure.CLOSED, s -> "cluster", () -> "local"));
        assertEquals(List.of(), lines);
    }

    @Test
    void withAClusterItsAnswerCounts() {
        assertEquals("cluster", fallback.decide(CLUSTER, ClusterFailure.OPEN, s -> "cluster", () -> "local"));
        assertEquals(List.of(), lines);
    }

    @Test
    void failingOpenDecidesAloneWithOneLineThenOneOnRecovery() {
        for (int i = 0; i < 5; i++) {
            assertEquals("local", fallback.decide(CLUSTER, ClusterFailure.OPEN, ClusterFallbackTest::unreachable, () -> "local"));
        }
        assertEquals(List.of("greylist: cluster state unavailable (connection refused), 1 call failed; deciding from this node's memory"), lines);
        assertEquals("cluster", fallback.decide(CLUSTER, ClusterFailure.OPEN, s -> "cluster", () -> "local"));
        assertEquals("greylist: cluster state available again; using it", lines.get(1));
    }

    @Test
    void failingClosedThrowsForTheRefusalAndNeverDecidesAlone() {
        boolean[] local = {false};
        SharedStateException e = assertThrows(SharedStateException.class, () -> fallback.decide(CLUSTER, ClusterFailure.CLOSED,
                ClusterFallbackTest::unreachable, () -> {
                    local[0] = true;
                    return "local";
                }));
        assertEquals("connection refused", e.getMessage());
        assertTrue(!local[0], "closed: this node's memory is not asked");
        assertEquals(List.of("greylist: cluster state unavailable (connection refused), 1 call failed; answering 451 4.3.0"), lines);
    }
}
