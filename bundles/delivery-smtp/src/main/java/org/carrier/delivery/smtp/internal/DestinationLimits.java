package org.carrier.delivery.smtp.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.carrier.api.cluster.ClusterFallback;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.message.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concurrency per destination and in total, and back-off of a destination that keeps failing: after
 * {@code failuresBeforeBackoff} attempts in a row where no host took a connection, its deliveries are
 * deferred at once for {@code backoffMillis} instead of each one trying (and waiting for) the dead hosts
 * again. The first attempt after the pause probes; one success clears the record.
 * <p>
 * With a cluster ({@link SharedState}) a destination's {@code perDestination} slots are the cluster's
 * ({@link ClusterSlots}), so all nodes together keep to the limit; the total stays this node's. While the cluster's
 * state cannot be reached, {@code clusterFailure} decides: OPEN counts this node's deliveries only, CLOSED defers.
 */
final class DestinationLimits {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationLimits.class);
    /** Failing open, this node's own slot is all a delivery needs. */
    private static final Permit NO_CLUSTER_SLOT = () -> {
    };
    private static final long FIRST_PAUSE_MILLIS = 20;
    private static final long LONGEST_PAUSE_MILLIS = 250;

    private final Settings.Reuse reuse;
    private final Supplier<SharedState> cluster;
    private final ClusterSlots clusterSlots;
    private final ClusterFallback fallback = new ClusterFallback("delivery", "counting this node's connections only", LOG::warn);
    private final AtomicBoolean renewing = new AtomicBoolean();
    private volatile long renewedAt = System.nanoTime();
    private final Semaphore total;
    private final Map<DestinationKey, Semaphore> perDestination = new ConcurrentHashMap<>();
    private final Map<DestinationKey, Failures> failures = new ConcurrentHashMap<>();

    private record Failures(int count, long until, SmtpReply last) {
    }

    DestinationLimits(Settings.Reuse reuse) {
        this(reuse, () -> null, new ClusterSlots());
    }

    /** Limits whose per-destination slots are {@code cluster}'s while it gives one (a supplier giving null: none). */
    DestinationLimits(Settings.Reuse reuse, Supplier<SharedState> cluster, ClusterSlots clusterSlots) {
        this.reuse = reuse;
        this.cluster = cluster;
        this.clusterSlots = clusterSlots;
        this.total = new Semaphore(reuse.total(), true);
    }

    /** The reply that defers a backed-off destination at once, or {@code null} if it may be tried. */
    SmtpReply backedOff(DestinationKey key) {
        Failures f = failures.get(key);
        if (f == null || f.count() < reuse.failuresBeforeBackoff() || System.nanoTime() - f.until() >= 0) {
            return null;
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(f.until() - System.nanoTime()));
        return new SmtpReply(451, "4.4.1", "destination " + key + " backed off for " + seconds + " s after "
                + f.count() + " failed connection attempts; last: " + f.last());
    }

    /** Records a failed attempt; true if the destination is now backed off. */
    boolean failed(DestinationKey key, SmtpReply problem) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(reuse.backoffMillis());
        Failures now = failures.merge(key, new Failures(1, until, problem),
                (old, fresh) -> new Failures(old.count() + 1, until, problem));
        return now.count() >= reuse.failuresBeforeBackoff();
    }

    void succeeded(DestinationKey key) {
        failures.remove(key);
    }

    /**
     * Waits up to the configured time for a slot for this destination and one in total.
     *
     * @return a permit to release, or {@code null} if none came in time
     */
    Permit acquire(DestinationKey key) throws InterruptedException {
        Semaphore own = perDestination.computeIfAbsent(key, k -> new Semaphore(reuse.perDestination(), true));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(reuse.waitMillis());
        if (!own.tryAcquire(reuse.waitMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        if (!total.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            own.release();
            return null;
        }
        Permit local = () -> {
            total.release();
            own.release();
        };
        Permit clustered;
        try {
            clustered = clusterSlot(key, deadline);
        } catch (InterruptedException | RuntimeException e) {
            local.close();
            throw e;
        }
        if (clustered == null) {
            local.close();
            return null;
        }
        return () -> {
            clustered.close();
            local.close();
        };
    }

    /**
     * A slot of the destination's among the cluster's, waiting (with growing pauses) until {@code deadline};
     * {@link #NO_CLUSTER_SLOT} without a cluster or failing open, {@code null} if none came in time.
     *
     * @throws SharedStateException the cluster's state cannot be reached and {@code clusterFailure} is CLOSED
     */
    private Permit clusterSlot(DestinationKey key, long deadline) throws InterruptedException {
        SharedState shared = cluster.get();
        if (shared == null) {
            return NO_CLUSTER_SLOT;
        }
        String destination = clusterName(key);
        long pause = FIRST_PAUSE_MILLIS;
        while (true) {
            Permit slot = fallback.decide(shared, reuse.clusterFailure(),
                    s -> clusterSlots.take(s, destination, reuse.perDestination()), () -> NO_CLUSTER_SLOT);
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (slot != null || left <= 0) {
                return slot;
            }
            Thread.sleep(Math.min(pause, left));
            pause = Math.min(pause * 2, LONGEST_PAUSE_MILLIS);
        }
    }

    /**
     * The destination's name in the cluster: the same on every node for the same next hops, TLS policy, login,
     * TLS demand and policy domain (what makes it one destination here), short and free of Redis-unfriendly bytes.
     */
    static String clusterName(DestinationKey key) {
        String whole = key.hops() + "|" + key.tls() + "|" + key.authUser() + "|" + key.demand() + "|" + key.policyDomain();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(whole.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Renews the cluster slots this node holds, in the background (the caller is the watchdog's thread, whose
     * timeouts must not wait on Redis), at most every third of a lease.
     */
    void renewClusterSlots() {
        SharedState shared = cluster.get();
        if (shared == null || clusterSlots.held() == 0
                || System.nanoTime() - renewedAt < clusterSlots.lease().toNanos() / 3 || !renewing.compareAndSet(false, true)) {
            return;
        }
        renewedAt = System.nanoTime();
        CompletableFuture.runAsync(() -> {
            try {
                clusterSlots.renew(shared);
            } finally {
                renewing.set(false);
            }
        });
    }

    /**
     * Forgets destinations with nothing going on: free semaphores and back-offs long over, so the maps do
     * not grow with every domain ever seen. A delivery racing with this may get a fresh semaphore: the limit
     * is then briefly off by the few in flight, which is harmless.
     */
    void forgetIdle() {
        perDestination.values().removeIf(s -> s.availablePermits() == reuse.perDestination());
        long now = System.nanoTime();
        failures.values().removeIf(f -> now - f.until() > TimeUnit.MILLISECONDS.toNanos(reuse.backoffMillis()));
    }

    /** A held slot. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }
}
