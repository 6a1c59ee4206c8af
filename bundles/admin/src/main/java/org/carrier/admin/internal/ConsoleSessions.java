package org.carrier.admin.internal;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The web console's login sessions: after one password check a browser gets a random token (a cookie) that stands for
 * the login until it has been idle for {@code idle} or is {@code max} old (OWASP session management cheat sheet: idle
 * and absolute timeouts), so the console does not derive the PBKDF2 hash again for every request its pages make.
 * The table is bounded: when it is full, the least recently used session ends.
 */
final class ConsoleSessions {
    static final int MAX_SESSIONS = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Session(String user, long created, long lastUsed) {
    }

    private final LongSupplier nanoClock;
    /** In access order: the first entry is the least recently used. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private volatile long idleNanos;
    private volatile long maxNanos;

    ConsoleSessions(LongSupplier nanoClock, Duration idle, Duration max) {
        this.nanoClock = nanoClock;
        limits(idle, max);
    }

    /** New timeouts; they apply to the sessions already open too. */
    void limits(Duration idle, Duration max) {
        this.idleNanos = idle.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** Opens a session for {@code user} and answers its token (256 random bits, URL-safe Base64). */
    synchronized String open(String user) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long now = nanoClock.getAsLong();
        dropExpired(now);
        if (sessions.size() >= MAX_SESSIONS) {
            Iterator<String> oldest = sessions.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        sessions.put(token, new Session(user, now, now));
        return token;
    }

    /** The user of the session {@code token} names, which counts as a use of it; empty if unknown or expired. */
    synchronized Optional<String> user(String token) {
        if (token == null) {
            return Optional.empty();
        }
        Session session = sessions.get(token);
        long now = nanoClock.getAsLong();
        if (session == null) {
            return Optional.empty();
        }
        if (expired(session, now)) {
            sessions.remove(token);
            return Optional.empty();
        }
        sessions.put(token, new Session(session.user(), session.created(), now));
        return Optional.of(session.user());
    }

    synchronized void close(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    /** Ends every session, e.g. when the password changed. */
    synchronized void closeAll() {
        sessions.clear();
    }

    synchronized int size() {
        return sessions.size();
    }

    private boolean expired(Session session, long now) {
        return now - session.lastUsed() >= idleNanos || now - session.created() >= maxNanos;
    }

    private void dropExpired(long now) {
        for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
            if (expired(it.next().getValue(), now)) {
                it.remove();
            }
        }
    }
}
