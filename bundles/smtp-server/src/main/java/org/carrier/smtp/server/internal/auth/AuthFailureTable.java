package org.carrier.smtp.server.internal.auth;

import java.time.Duration;

/**
 * Failed AUTH attempts counted across sessions, per key (a client network or a user name, see {@link AuthGuard}),
 * and the lockouts they lead to. The single-node table is {@link MemoryAuthFailureTable}; a cluster backs the same
 * interface with a shared store (Redis) so that every node refuses a client that guessed on any of them.
 * Implementations must be thread-safe and bounded in memory.
 */
public interface AuthFailureTable {

    /**
     * Counts one failure for {@code key}. Failures older than {@code window} (counted from the first of the current
     * run) no longer count; the {@code limit}-th within the window locks the key out for {@code lockout}.
     *
     * @param limit failures that lock the key out; 0 or less: count, never lock out
     * @return true when this failure started a lockout (so that it is logged once, not at every refused attempt)
     */
    boolean recordFailure(String key, int limit, Duration window, Duration lockout);

    /** Whether {@code key} is locked out now. */
    boolean lockedOut(String key);
}
