package org.carrier.filter.dnsbl.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a list's lookup failures at WARN at most once a minute per zone, the rest at DEBUG: a list that is down
 * would otherwise write a line for every recipient of every client.
 */
final class FailureLog {
    private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);
    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

    void failed(String zone, String name, String problem) {
        long now = System.nanoTime();
        long warned = lastWarned.compute(zone, (z, last) -> last == null || now - last >= INTERVAL ? now : last);
        if (warned == now) {
            LOG.warn("dnsbl: {}: {}; not counted as listed (this list's failures are logged once a minute)", name, problem);
        } else {
            LOG.debug("dnsbl: {}: {}; not counted as listed", name, problem);
        }
    }
}
