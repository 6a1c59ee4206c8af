package org.carrier.delivery.smtp.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Open sessions waiting for the next message to their destination. A session comes back after a
 * transaction unless it reached its message limit; it is closed after being idle too long. Taking one sends
 * nothing: after the reply to the message data the server is ready for the next MAIL (RFC 5321 §4.1.1.4,
 * §4.1.4), so an RSET first would only cost a round trip per message (a transaction that did not end with its
 * data was reset by {@link MailTransaction} before the session came back). A peer that closed the connection
 * meanwhile shows at the first reply, before it accepted anything, and {@link ClientDelivery} then tries
 * the message on a new connection.
 */
final class SessionPool {
    private final Settings.Reuse reuse;
    private final int checkTimeoutMillis;
    private final Map<DestinationKey, Deque<Session>> idle = new HashMap<>();
    private boolean closed;

    SessionPool(Settings.Reuse reuse, int checkTimeoutMillis) {
        this.reuse = reuse;
        this.checkTimeoutMillis = checkTimeoutMillis;
    }

    /** A live idle session to the destination, or {@code null}. */
    Session take(DestinationKey key) {
        while (true) {
            Session session = pollFreshest(key);
            if (session == null) {
                return null;
            }
            if (!session.idleLongerThan(reuse.idleMillis())) {
                return session;
            }
            session.quitNow();
        }
    }

    /** Keeps the session for the next message, or ends it at its message limit. */
    void give(DestinationKey key, Session session) {
        boolean keep;
        synchronized (this) {
            keep = !closed && session.transactions() < reuse.maxMessagesPerConnection();
            if (keep) {
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).push(session);
            }
        }
        if (!keep) {
            session.quit(checkTimeoutMillis);
        }
    }

    /** Closes the sessions idle for longer than the idle timeout. */
    void sweep() {
        List<Session> expired = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Deque<Session>> queues = idle.values().iterator(); queues.hasNext(); ) {
                Deque<Session> queue = queues.next();
                queue.removeIf(s -> s.idleLongerThan(reuse.idleMillis()) && expired.add(s));
                if (queue.isEmpty()) {
                    queues.remove();
                }
            }
        }
        expired.forEach(Session::quitNow);
    }

    /** Closes every idle session; sessions given back later are closed too. */
    void close() {
        List<Session> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        all.forEach(Session::quitNow);
    }

    private synchronized Session pollFreshest(DestinationKey key) {
        Deque<Session> queue = idle.get(key);
        Session session = queue == null ? null : queue.poll();
        if (queue != null && queue.isEmpty()) {
            idle.remove(key);
        }
        return session;
    }
}
