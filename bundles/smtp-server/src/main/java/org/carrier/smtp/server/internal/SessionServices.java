package org.carrier.smtp.server.internal;

import org.carrier.api.queue.MailQueue;
import org.carrier.api.route.Router;
import org.carrier.smtp.server.internal.auth.AuthFailureDelay;
import org.carrier.smtp.server.internal.auth.AuthGuard;
import org.carrier.smtp.server.internal.auth.MemoryAuthFailureTable;

/** What a session needs from the rest of Carrier, looked up when needed so services can change while it runs. */
interface SessionServices {
    MailQueue queue();

    Router router();

    /** A snapshot of the filters now registered, in order. */
    FilterChain filters();

    /** Where sessions count what they do; the bundle's one set unless a test brings its own. */
    default ServerMetrics metrics() {
        return ServerMetrics.BUNDLE;
    }

    /** Whether this node is being drained: a new session then gets {@link Reply#draining} instead of its greeting. */
    default boolean draining() {
        return false;
    }

    /** Failed AUTH attempts per client address, shared by every listener: an attacker may try each port. */
    default AuthFailureDelay authFailures() {
        return SharedAuthFailures.DELAY;
    }

    /** AUTH lockouts and the cap on password checks, shared by every listener for the same reason. */
    default AuthGuard authGuard() {
        return SharedAuthFailures.GUARD;
    }

    /** The one failure record of the bundle. */
    final class SharedAuthFailures {
        static final AuthFailureDelay DELAY = new AuthFailureDelay();
        static final AuthGuard GUARD = new AuthGuard(new MemoryAuthFailureTable(), AuthGuard.defaultConcurrentChecks());

        private SharedAuthFailures() {
        }
    }
}
