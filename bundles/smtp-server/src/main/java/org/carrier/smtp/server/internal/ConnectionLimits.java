package org.carrier.smtp.server.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the sessions of one listener, in total and per client address, so each limit can be enforced at connect. */
final class ConnectionLimits {
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perClient = new ConcurrentHashMap<>();

    /** Takes a slot for {@code client}; false (and nothing taken) if either limit is reached. */
    boolean acquire(InetAddress client, int maxTotal, int maxPerClient) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return false;
        }
        boolean[] granted = {false};
        perClient.compute(client, (address, count) -> {
            int now = count == null ? 0 : count;
            if (now >= maxPerClient) {
                return count;
            }
            granted[0] = true;
            return now + 1;
        });
        if (!granted[0]) {
            total.decrementAndGet();
        }
        return granted[0];
    }

    void release(InetAddress client) {
        perClient.computeIfPresent(client, (address, count) -> count <= 1 ? null : count - 1);
        total.decrementAndGet();
    }
}
