package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.queue.MailQueue;
import org.carrier.api.route.Router;
import org.carrier.smtp.server.internal.auth.AuthFailureDelay;
import org.carrier.smtp.server.internal.auth.AuthGuard;
import org.carrier.smtp.server.internal.auth.MemoryAuthFailureTable;

/** What sessions get in tests: a queue in memory, {@link ProtocolDriver#ROUTER}, a list of filters, a failure delay. */
final class TestServices implements SessionServices {
    final MemoryQueue queue = new MemoryQueue();
    final List<FilterChain.Named> filters = new ArrayList<>();
    final ServerMetrics metrics = new ServerMetrics();
    /** What {@link #draining()} says; a test drains the node by setting it. */
    volatile boolean draining;
    /** The router sessions use; a test may put one in that waits or records. */
    volatile Router router = ProtocolDriver.ROUTER;
    private final AuthFailureDelay failures;
    /** Each test its own lockouts: failures one test provokes from loopback must not lock out the next. */
    final AuthGuard guard = new AuthGuard(new MemoryAuthFailureTable(), 2);

    TestServices() {
        this(SessionServices.SharedAuthFailures.DELAY);
    }

    TestServices(AuthFailureDelay failures) {
        this.failures = failures;
    }

    /** A listener on these services that trusts loopback clients (they may relay), with a size limit in bytes. */
    SmtpListener trustingLoopback(long maxMessageSize) throws IOException {
        return new SmtpListener(TestSettings.of("trustedNetworks", "127.0.0.0/8", "maxMessageSize", maxMessageSize), this);
    }

    @Override
    public MailQueue queue() {
        return queue;
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public FilterChain filters() {
        return filters.isEmpty() ? FilterChain.EMPTY : new FilterChain(filters, metrics);
    }

    @Override
    public ServerMetrics metrics() {
        return metrics;
    }

    @Override
    public AuthFailureDelay authFailures() {
        return failures;
    }

    @Override
    public AuthGuard authGuard() {
        return guard;
    }
}
