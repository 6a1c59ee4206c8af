package org.carrier.dns.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;

/**
 * Identical questions in flight share one query, and a failure to get any answer is remembered for a short while
 * (RFC 2308 §7.1), so that many recipients at a broken domain do not each wait. Both maps stay bounded.
 *
 * @param <V> what an answer is
 */
final class SharedQuestions<V> {
    private record Failure(DnsLookupException exception, Instant until) {
    }

    private static final int MAX_FAILURES = 10_000;

    private final Duration failureTtl;
    private final Clock clock;
    private final Map<LookupKey, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
    private final Map<LookupKey, Failure> failures = new ConcurrentHashMap<>();

    SharedQuestions(Duration failureTtl, Clock clock) {
        this.failureTtl = failureTtl;
        this.clock = clock;
    }

    /** The answer {@code ask} gives to {@code key}, or the failure remembered, or the question already in flight. */
    CompletableFuture<V> ask(LookupKey key, Supplier<CompletableFuture<V>> ask) {
        Failure failure = failures.get(key);
        if (failure != null) {
            if (clock.instant().isBefore(failure.until())) {
                return CompletableFuture.failedFuture(failure.exception());
            }
            failures.remove(key, failure);
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> shared = inFlight.putIfAbsent(key, mine);
        if (shared != null) {
            return shared;
        }
        ask.get().whenComplete((answer, error) -> {
            // Removed before completing, so that a later question asks again (or the cache) rather than reusing this answer.
            inFlight.remove(key, mine);
            if (error == null) {
                mine.complete(answer);
                return;
            }
            DnsLookupException e = (DnsLookupException) DnsClient.cause(error);
            if (e.kind() == Kind.TEMPORARY) {
                remember(key, e);
            }
            mine.completeExceptionally(e);
        });
        return mine;
    }

    /** Remembers a failure; the map stays bounded even when many different names fail (e.g. mail to random domains). */
    private void remember(LookupKey key, DnsLookupException e) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_FAILURES) {
            failures.values().removeIf(f -> !now.isBefore(f.until()));
            if (failures.size() >= MAX_FAILURES) {
                failures.clear();
            }
        }
        failures.put(key, new Failure(e, now.plus(failureTtl)));
    }
}
