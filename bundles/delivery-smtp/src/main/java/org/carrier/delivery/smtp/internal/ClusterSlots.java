package org.carrier.delivery.smtp.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;

/**
 * A destination's connection slots counted over every node of a cluster: slot {@code i} of a destination is the
 * lease {@code delivery:<destination>:<i>} in the shared state, held by the node delivering on it. A lease expires
 * {@link #LEASE} after it was last renewed, so the slots of a node that died or lost the cluster free themselves;
 * the node renews the leases it holds while their deliveries last (a final reply may take 10 minutes, RFC 5321
 * §4.5.3.2.6). A lease is a node's, not a delivery's: which of its slots this node's deliveries hold is kept here.
 */
final class ClusterSlots {
    /** How long a slot stays taken after its node last renewed it. */
    static final Duration LEASE = Duration.ofSeconds(30);

    private final Duration lease;
    private final Set<String> heldHere = ConcurrentHashMap.newKeySet();

    ClusterSlots() {
        this(LEASE);
    }

    /** For tests: a shorter lease. */
    ClusterSlots(Duration lease) {
        this.lease = lease;
    }

    /**
     * One look at the destination's {@code limit} slots, from a random one on (nodes do not all queue up on slot 0):
     * the first free one, taken for this node; {@code null} if every slot is held.
     *
     * @throws SharedStateException the shared state cannot be reached in time
     */
    DestinationLimits.Permit take(SharedState shared, String destination, int limit) {
        int first = ThreadLocalRandom.current().nextInt(limit);
        for (int n = 0; n < limit; n++) {
            String name = "delivery:" + destination + ":" + (first + n) % limit;
            // Reserved here first: acquireLease says yes to a lease this node already holds for another delivery.
            if (!heldHere.add(name)) {
                continue;
            }
            boolean taken;
            try {
                taken = shared.acquireLease(name, lease);
            } catch (RuntimeException e) {
                heldHere.remove(name);
                throw e;
            }
            if (taken) {
                return () -> release(shared, name);
            }
            heldHere.remove(name);
        }
        return null;
    }

    /** Renews every slot this node holds; one that cannot be renewed now expires by itself. */
    void renew(SharedState shared) {
        for (String name : heldHere) {
            try {
                shared.acquireLease(name, lease);
            } catch (SharedStateException e) {
                return; // the cluster is away: the leases run out, as a dead node's would
            }
        }
    }

    /** How long a slot stays taken after its last renewal. */
    Duration lease() {
        return lease;
    }

    /** How many slots this node's deliveries hold. */
    int held() {
        return heldHere.size();
    }

    private void release(SharedState shared, String name) {
        try {
            shared.releaseLease(name);
        } catch (SharedStateException e) {
            // the lease runs out by itself within LEASE
        } finally {
            heldHere.remove(name);
        }
    }
}
