package org.carrier.admin.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows down password guessing at the web console, per client network (an address, or an IPv6 client's /64, as
 * {@link org.carrier.api.net.ClientNetwork} counts it for SMTP AUTH too): after the n-th failed login in a row the
 * answer waits 2^(n-1) s (at most {@link #MAX_DELAY}), and until that time is over the address gets no password
 * check at all, so parallel requests gain nothing either (OWASP authentication cheat sheet: login throttling).
 * A successful login, or {@link #FORGET} without a failure, clears an address. The table is bounded
 * ({@link #MAX_ADDRESSES}, least recently failed dropped first), so many addresses cannot exhaust memory.
 */
final class LoginBackoff {
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    static final Duration FORGET = Duration.ofMinutes(15);
    static final int MAX_ADDRESSES = 10_000;

    private record Failures(int count, long lastFailure, long waitUntil) {
    }

    private final LongSupplier nanoClock;
    private final Map<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    LoginBackoff(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Whether a login from {@code address} must be refused without a password check now (its wait is not over). */
    synchronized boolean waiting(String address) {
        Failures f = current(address);
        return f != null && nanoClock.getAsLong() - f.waitUntil() < 0;
    }

    /** Records a failed login from {@code address}; answers how long its answer waits (1 s, 2 s, 4 s, ...). */
    synchronized Duration failed(String address) {
        Failures before = current(address);
        int count = before == null ? 1 : before.count() + 1;
        Duration delay = delay(count);
        long now = nanoClock.getAsLong();
        failures.put(address, new Failures(count, now, now + delay.toNanos()));
        return delay;
    }

    /** How many failed logins in a row {@code address} has made. */
    synchronized int failures(String address) {
        Failures f = current(address);
        return f == null ? 0 : f.count();
    }

    synchronized void succeeded(String address) {
        failures.remove(address);
    }

    static Duration delay(int failures) {
        int exponent = Math.min(failures - 1, 30);
        Duration delay = Duration.ofSeconds(1L << exponent);
        return delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
    }

    private Failures current(String address) {
        Failures f = failures.get(address);
        if (f != null && nanoClock.getAsLong() - f.lastFailure() >= FORGET.toNanos()) {
            failures.remove(address);
            return null;
        }
        return f;
    }
}
