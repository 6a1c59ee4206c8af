package org.carrier.smtp.server.internal;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the sessions of one listener, in total, from untrusted clients and per client address, so each limit can be
 * enforced at connect; and says when the listener is under stress (most untrusted slots taken), when sessions get
 * the short stress timeout (Postfix's stress-adaptive behaviour). Connects are rare next to the bytes of a session,
 * so one lock guards all counts.
 */
final class ConnectionLimits {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
    /** Stress starts once untrusted sessions fill this share of their slots... */
    static final int STRESS_PERCENT = 80;
    /** ...and ends once they are back below this one, so a listener near the mark does not log every connect. */
    static final int CALM_PERCENT = 70;

    /** Why a connection was refused, or that it was not. */
    enum Admission {
        ADMITTED,
        /** Every slot open to this client is taken: 421 4.7.0. */
        LISTENER_FULL,
        /** This client address has its {@code maxConnectionsPerClient}: 421 4.7.0. */
        CLIENT_FULL
    }

    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    private int total;
    private int untrusted;
    private volatile boolean stressed;

    /**
     * Takes a slot for {@code client}, or nothing. A trusted client may take any free slot and is not held to the
     * per-client limit (like Postfix's smtpd_client_event_limit_exceptions); an untrusted one only the slots outside
     * the reserve for trusted clients, so that a flood of untrusted connections never locks out trusted ones.
     */
    synchronized Admission acquire(InetAddress client, boolean trusted, ListenerSettings s) {
        if (total >= s.maxConnections() || !trusted && untrusted >= untrustedSlots(s)) {
            return Admission.LISTENER_FULL;
        }
        if (!trusted && perClient.getOrDefault(client, 0) >= s.maxConnectionsPerClient()) {
            return Admission.CLIENT_FULL;
        }
        total++;
        if (!trusted) {
            untrusted++;
            perClient.merge(client, 1, Integer::sum);
            if (!stressed && untrusted * 100 >= untrustedSlots(s) * STRESS_PERCENT) {
                stressed = true;
                LOG.warn("listener {}: under stress: {} of {} untrusted connection slots taken; untrusted clients now get "
                        + "{} s to send each command", s.name(), untrusted, untrustedSlots(s), s.stressTimeoutMillis() / 1000);
            }
        }
        return Admission.ADMITTED;
    }

    /** Gives back the slot {@link #acquire} took (with the same {@code trusted}). */
    synchronized void release(InetAddress client, boolean trusted, ListenerSettings s) {
        total--;
        if (trusted) {
            return;
        }
        untrusted--;
        perClient.computeIfPresent(client, (address, count) -> count <= 1 ? null : count - 1);
        if (stressed && untrusted * 100 < untrustedSlots(s) * CALM_PERCENT) {
            stressed = false;
            LOG.info("listener {}: stress over: {} of {} untrusted connection slots taken; normal timeouts again",
                    s.name(), untrusted, untrustedSlots(s));
        }
    }

    /** Whether most untrusted slots are taken, so untrusted sessions get the stress timeout. */
    boolean stressed() {
        return stressed;
    }

    /** {@code maxConnections} less the reserve for trusted clients, which is at most half of it. */
    static int untrustedSlots(ListenerSettings s) {
        return s.maxConnections() - Math.min(s.reservedTrustedConnections(), s.maxConnections() / 2);
    }
}
