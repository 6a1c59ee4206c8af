package org.carrier.api.smtp;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Whether this node's SMTP listeners take new sessions. Draining a node (before maintenance, or to take it out of a
 * cluster) refuses every new session on every listener with {@code 421 4.3.2} in the greeting (RFC 5321 §3.8: a
 * server that cannot serve says 421 instead of 220; RFC 3463 §3.4: 4.3.2 "system not accepting network messages"),
 * so clients try another MX host or come back later. Sessions already open finish as usual, and the queue keeps
 * delivering. The state is this node's and lasts until it is turned off or the node restarts.
 */
@ProviderType
public interface SmtpIntake {

    /** Starts or stops draining; returns whether the node was draining before. */
    boolean setDraining(boolean draining);

    /** Whether new sessions are refused now. */
    boolean isDraining();

    /** SMTP sessions open now on every listener (those begun before the drain finish as usual). */
    long openSessions();
}
