package org.carrier.delivery.smtp.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.carrier.api.message.SmtpReply;

/**
 * Concurrency per destination and in total, and back-off of a destination that keeps failing: after
 * {@code failuresBeforeBackoff} attempts in a row where no host took a connection, its deliveries are
 * deferred at once for {@code backoffMillis} instead of each one trying (and waiting for) the dead hosts
 * again. The first attempt after the pause probes; one success clears the record.
 */
final class DestinationLimits {
    private final Settings.Reuse reuse;
    private final Semaphore total;
    private final Map<DestinationKey, Semaphore> perDestination = new ConcurrentHashMap<>();
    private final Map<DestinationKey, Failures> failures = new ConcurrentHashMap<>();

    private record Failures(int count, long until, SmtpReply last) {
    }

    DestinationLimits(Settings.Reuse reuse) {
        this.reuse = reuse;
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
        return () -> {
            total.release();
            own.release();
        };
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
