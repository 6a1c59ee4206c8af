package org.carrier.admin.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.Test;

/** The status's peers: the other nodes that announced themselves within {@link ClusterPeers#ALIVE}. */
class ClusterPeersTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));
    private final MemorySharedState shared = new MemorySharedState(clock);
    private final MemorySharedState a = shared.node("mx1.example.org");
    private final MemorySharedState b = shared.node("mx2.example.org");
    private final ClusterPeers announcer = new ClusterPeers(clock);

    @Test
    void eachNodeListsTheOthersItHeardFrom() {
        announcer.announce(a);
        announcer.announce(b);
        assertEquals(List.of("mx2.example.org"), names(a));
        assertEquals(List.of("mx1.example.org"), names(b));
        assertEquals("mx1.example.org", ClusterPeers.status(a).get("node"));
        assertEquals(true, ClusterPeers.status(a).get("available"));
        assertEquals("2026-12-07T12:00:00Z", ((List<?>) ClusterPeers.status(b).get("peers")).stream()
                .map(p -> ((Map<?, ?>) p).get("seen")).findFirst().orElseThrow());
    }

    @Test
    void aNodeThatStoppedAnnouncingIsGoneAfterThreeHeartbeats() {
        announcer.announce(a);
        announcer.announce(b);
        clock.advance(ClusterPeers.HEARTBEAT.multipliedBy(2));
        announcer.announce(a);
        assertEquals(List.of("mx2.example.org"), names(a), "two heartbeats missed: still a peer");
        clock.advance(ClusterPeers.HEARTBEAT.plusSeconds(1));
        announcer.announce(a);
        assertEquals(List.of(), names(a));
        announcer.announce(b);
        assertEquals(List.of("mx2.example.org"), names(a), "back when it announces itself again");
    }

    @Test
    void withoutAClusterThereAreNoPeersAndAFailingOneSaysSo() {
        assertEquals(Map.of("peers", List.of()), ClusterPeers.status(null));
        announcer.announce(null);
        announcer.announce(a);
        a.fail(true);
        announcer.announce(a); // logged, not thrown: the next heartbeat tries again
        Map<String, Object> status = ClusterPeers.status(a);
        assertEquals(false, status.get("available"));
        assertEquals(List.of(), status.get("peers"));
        a.fail(false);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(true, ClusterPeers.status(a).get("available"));
    }

    private static List<Object> names(MemorySharedState node) {
        return ClusterPeers.peers(node).stream().map(p -> p.get("name")).toList();
    }
}
