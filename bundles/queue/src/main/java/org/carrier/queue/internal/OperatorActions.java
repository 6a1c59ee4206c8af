package org.carrier.queue.internal;

import java.time.Clock;
import java.util.function.Consumer;

import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueuedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operations: an operator's hold, release, delete, retry and re-route, each applied through the claim protocol
 * ({@link Claims#change}) and written to disk at once.
 */
final class OperatorActions {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorActions.class);

    private final Spool spool;
    private final Claims claims;
    private final Dispatch dispatch;
    private final Inspector inspector;
    private final Clock clock;
    /** Returns once the spool's start-up listing is done (see {@link SpoolQueue}); changes wait for it. */
    private final Runnable untilListed;

    OperatorActions(Spool spool, Claims claims, Dispatch dispatch, Inspector inspector, Clock clock, Runnable untilListed) {
        this.spool = spool;
        this.claims = claims;
        this.dispatch = dispatch;
        this.inspector = inspector;
        this.clock = clock;
        this.untilListed = untilListed;
    }

    boolean hold(String queueId) {
        return change(queueId, "held", entry -> entry.hold(true));
    }

    boolean release(String queueId) {
        return change(queueId, "released", entry -> {
            entry.hold(false);
            entry.makeDue(clock.instant(), r -> true);
        });
    }

    boolean delete(String queueId) {
        return change(queueId, "deleted", QueueEntry::delete);
    }

    boolean retryNow(String queueId) {
        return change(queueId, "retry now", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    int retryDomain(String domain) {
        QueueFilter filter = QueueFilter.any().withDomain(domain);
        return changeAll(filter, "retry now for " + filter.domain(),
                entry -> entry.makeDue(clock.instant(), r -> r.address().domain().equals(filter.domain())));
    }

    int retryAll() {
        return changeAll(QueueFilter.any().withHeld(false), "retry now", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    int reroute(QueueFilter filter) {
        return changeAll(filter, "re-route", entry -> entry.makeDue(clock.instant(), r -> true));
    }

    /**
     * Every matching message, one at a time: a flush of a million deferred messages holds one of them in memory, not
     * a list of all (that list ran a 256 MB heap out of memory), and logs one line for all, not one per message.
     */
    private int changeAll(QueueFilter filter, String what, Consumer<QueueEntry> change) {
        untilListed.run();
        int[] count = {0};
        inspector.forEach(filter, m -> {
            if (changed(m.queueId(), change)) {
                count[0]++;
            }
        });
        LOG.info("{} message(s): {} by an operator", count[0], what);
        return count[0];
    }

    private boolean change(String id, String what, Consumer<QueueEntry> change) {
        untilListed.run();
        boolean changed = changed(id, change);
        if (changed) {
            LOG.info("{}: {} by an operator", id, what);
        }
        return changed;
    }

    /** One message: changed and written at once; a message changed while no attempt ran is scheduled again. */
    private boolean changed(String id, Consumer<QueueEntry> change) {
        return claims.change(id, spool::load, entry -> {
            change.accept(entry);
            dispatch.persist(entry, false);
        }, entry -> {
            if (!entry.allFinal()) {
                dispatch.reschedule(entry);
            }
        });
    }
}
