package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TlsPolicy;
import org.carrier.delivery.smtp.internal.tls.TlsDemand;
import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A destination's connection slots shared by two nodes (each its own {@link DestinationLimits}, as two Carrier
 * processes have) on one cluster state: together they keep to the limit. The state is test-support's
 * MemorySharedState (a module's tests may not reach into the cluster bundle's internals); ClusterIT runs the same
 * with two Carrier processes on a real redis-server.
 */
class ClusterDestinationLimitsTest {
    private static final DestinationKey MX = new DestinationKey(
            List.of(new NextHop("mx.example.test", 25, List.of(InetAddress.getLoopbackAddress()))), TlsPolicy.MAY, null,
            TlsDemand.ROUTE, null);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final MemorySharedState cluster = new MemorySharedState(clock);
    private final List<DestinationLimits.Permit> held = new ArrayList<>();

    @AfterEach
    void release() {
        held.forEach(DestinationLimits.Permit::close);
    }

    /** A node: limit 2 per destination, a slot waited for 300 ms. */
    private static DestinationLimits node(MemorySharedState state, ClusterFailure failure) {
        Settings.Reuse reuse = new Settings.Reuse(100, 10_000, 2, 100, 300, 5, 60_000, failure);
        return new DestinationLimits(reuse, () -> state, new ClusterSlots());
    }

    private DestinationLimits.Permit take(DestinationLimits node) throws InterruptedException {
        DestinationLimits.Permit permit = node.acquire(MX);
        if (permit != null) {
            held.add(permit);
        }
        return permit;
    }

    @Test
    void twoNodesTogetherKeepToTheDestinationsLimit() throws Exception {
        DestinationLimits a = node(cluster.node("a"), ClusterFailure.OPEN);
        DestinationLimits b = node(cluster.node("b"), ClusterFailure.OPEN);
        DestinationLimits.Permit first = take(a);
        assertNotNull(first);
        assertNotNull(take(b), "one slot each");
        long waited = System.nanoTime();
        assertNull(take(a), "both slots are held: A's own second slot is the cluster's second");
        assertTrue(Duration.ofNanos(System.nanoTime() - waited).toMillis() >= 250, "it waited for a slot");
        assertNull(take(b));

        first.close();
        held.remove(first);
        assertNotNull(take(b), "A's freed slot goes to B");
        assertNull(take(a));
    }

    @Test
    void aWaitingDeliveryGetsTheSlotFreedMeanwhile() throws Exception {
        DestinationLimits a = node(cluster.node("a"), ClusterFailure.OPEN);
        DestinationLimits b = node(cluster.node("b"), ClusterFailure.OPEN);
        DestinationLimits.Permit one = a.acquire(MX);
        assertNotNull(take(a));
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            one.close();
        });
        release.start();
        assertNotNull(take(b), "B waited up to 300 ms and got A's slot when it was given back");
        release.join(5_000);
    }

    @Test
    void aDeadNodesSlotsFreeThemselvesWhenItsLeasesRunOut() throws Exception {
        DestinationLimits a = node(cluster.node("a"), ClusterFailure.OPEN);
        DestinationLimits b = node(cluster.node("b"), ClusterFailure.OPEN);
        assertNotNull(a.acquire(MX));
        assertNotNull(a.acquire(MX)); // node A dies holding both slots, never giving them back
        assertNull(take(b));
        clock.advance(ClusterSlots.LEASE.plusSeconds(1));
        assertNotNull(take(b), "A's leases ran out");
        assertNotNull(take(b));
    }

    @Test
    void aLiveNodeRenewsTheSlotsItsLongDeliveriesHold() throws Exception {
        MemorySharedState nodeA = cluster.node("a");
        ClusterSlots slots = new ClusterSlots();
        Settings.Reuse reuse = new Settings.Reuse(100, 10_000, 1, 100, 300, 5, 60_000, ClusterFailure.OPEN);
        DestinationLimits a = new DestinationLimits(reuse, () -> nodeA, slots);
        DestinationLimits b = new DestinationLimits(reuse, () -> cluster.node("b"), new ClusterSlots());
        assertNotNull(take(a));
        for (int i = 0; i < 4; i++) {
            clock.advance(ClusterSlots.LEASE.dividedBy(2));
            slots.renew(nodeA); // what the sweeper does every third of a lease
        }
        assertNull(take(b), "two leases' time later the slot is still A's");
    }

    @Test
    void redisAwayFailsOpenToThisNodesCountOrClosedWithTheError() throws Exception {
        MemorySharedState openNode = cluster.node("a");
        MemorySharedState closedNode = cluster.node("b");
        DestinationLimits open = node(openNode, ClusterFailure.OPEN);
        DestinationLimits closed = node(closedNode, ClusterFailure.CLOSED);
        openNode.fail(true);
        closedNode.fail(true);
        assertNotNull(take(open), "open: this node's slot");
        assertNotNull(take(open));
        assertNull(take(open), "open still keeps to this node's own limit of 2");
        assertThrows(SharedStateException.class, () -> take(closed), "closed: the delivery is deferred with 4.3.0");

        closedNode.fail(false);
        assertNotNull(take(closed), "closed works again once the cluster is back");
    }
}
