package org.carrier.smtp.server.internal.auth;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.carrier.api.net.ClientNetwork;

/**
 * How long to wait before answering a failed AUTH with 535, per client address: the first failure waits
 * {@code first}, each further one twice as long up to {@code max}; an address quiet for {@code quietPeriod} starts
 * over. It slows down guessing within a session; a client that hangs up instead of waiting is stopped by
 * {@link AuthGuard}'s lockout.
 * <p>
 * Clients are counted per {@link ClientNetwork}. At most {@code maxTracked} networks are remembered; beyond
 * that the one quiet for longest is forgotten, so memory stays bounded under an attack from many addresses.
 * Thread-safe; one instance may serve every listener.
 */
public final class AuthFailureDelay {
    public static final Duration DEFAULT_FIRST = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(16);
    public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMinutes(15);
    public static final int DEFAULT_MAX_TRACKED = 10_000;

    private record Failures(int count, Instant last) {
    }

    private final Duration first;
    private final Duration max;
    private final Duration quietPeriod;
    private final int maxTracked;
    private final Clock clock;
    /** In order of last failure, oldest first (access order: a failure moves its client to the end). */
    private final LinkedHashMap<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true);

    public AuthFailureDelay() {
        this(DEFAULT_FIRST, DEFAULT_MAX, DEFAULT_QUIET_PERIOD, DEFAULT_MAX_TRACKED, Clock.systemUTC());
    }

    public AuthFailureDelay(Duration first, Duration max, Duration quietPeriod, int maxTracked, Clock clock) {
        if (first.isNegative() || max.compareTo(first) < 0 || quietPeriod.isNegative() || maxTracked < 1) {
            throw new IllegalArgumentException("need 0 <= first <= max, a quiet period >= 0 and maxTracked >= 1");
        }
        this.first = first;
        this.max = max;
        this.quietPeriod = quietPeriod;
        this.maxTracked = maxTracked;
        this.clock = clock;
    }

    /** Records a failed AUTH from {@code client} and returns how long to wait before the 535 reply. */
    public synchronized Duration recordFailure(InetAddress client) {
        Instant now = clock.instant();
        forgetQuiet(now);
        String key = ClientNetwork.of(client);
        Failures before = failures.get(key);
        int count = before == null ? 1 : before.count() + 1;
        failures.put(key, new Failures(count, now));
        if (failures.size() > maxTracked) {
            Iterator<String> oldest = failures.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return delayFor(count);
    }

    /** The delay the next failure from {@code client} would get, without recording anything. */
    public synchronized Duration nextDelay(InetAddress client) {
        Failures known = failures.get(ClientNetwork.of(client));
        boolean counts = known != null && !isQuiet(known, clock.instant());
        return delayFor(counts ? known.count() + 1 : 1);
    }

    /** How many client networks are remembered now. */
    public synchronized int tracked() {
        forgetQuiet(clock.instant());
        return failures.size();
    }

    /** first * 2^(count-1), at most max; the shift is bounded so it cannot overflow. */
    private Duration delayFor(int count) {
        Duration delay = first.multipliedBy(1L << Math.min(count - 1, 30));
        return delay.compareTo(max) > 0 ? max : delay;
    }

    /** Drops clients from the oldest on while their last failure is older than the quiet period. */
    private void forgetQuiet(Instant now) {
        Iterator<Map.Entry<String, Failures>> entries = failures.entrySet().iterator();
        while (entries.hasNext() && isQuiet(entries.next().getValue(), now)) {
            entries.remove();
        }
    }

    private boolean isQuiet(Failures known, Instant now) {
        return !known.last().plus(quietPeriod).isAfter(now);
    }
}
