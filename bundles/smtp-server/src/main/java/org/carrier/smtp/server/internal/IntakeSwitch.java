package org.carrier.smtp.server.internal;

import java.util.concurrent.atomic.AtomicBoolean;

import org.carrier.api.smtp.SmtpIntake;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's drain switch ({@code carrier:drain}): one for every listener, so a drained node refuses new sessions
 * on each of its ports. Kept in memory only: a node restarted after maintenance takes mail again without a step
 * the administrator could forget.
 */
@Component(service = {SmtpIntake.class, IntakeSwitch.class})
public class IntakeSwitch implements SmtpIntake {
    private static final Logger LOG = LoggerFactory.getLogger(IntakeSwitch.class);

    private final AtomicBoolean draining = new AtomicBoolean();

    @Override
    public boolean setDraining(boolean drain) {
        boolean before = draining.getAndSet(drain);
        if (before != drain) {
            LOG.info(drain ? "SMTP intake: draining; new sessions get 421 4.3.2, the {} open ones finish, the queue keeps delivering"
                    : "SMTP intake: draining ended; new sessions are accepted again ({} open)", openSessions());
        }
        return before;
    }

    @Override
    public boolean isDraining() {
        return draining.get();
    }

    @Override
    public long openSessions() {
        return ServerMetrics.BUNDLE.sessionsOpen();
    }
}
