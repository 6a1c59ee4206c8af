package org.carrier.filter.dkim.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;

/**
 * Fetches key records over DNS (RFC 6376 §3.6.2.2) and classifies failures as RFC 6376 §6.1.2 says. Lookups start
 * when a signature is parsed and are awaited after the body is hashed, so DNS and hashing overlap.
 */
final class KeyFetcher {
    private final DnsResolver resolver;

    KeyFetcher(DnsResolver resolver) {
        this.resolver = resolver;
    }

    /** Starts the lookup of the TXT record at {@code name}. */
    CompletableFuture<String> start(String name) {
        return resolver.txt(name).toCompletableFuture().thenApply(records -> {
            if (records.isEmpty()) {
                throw new CompletionException(
                        new DnsLookupException(DnsLookupException.Kind.NO_DATA, "no TXT record"));
            }
            // RFC 6376 §3.6.2.2: with several records the result is undefined; the first is as good as any.
            return records.get(0);
        });
    }

    /** The record a started lookup found; "no key" is a permerror, "no answer" a temperror. */
    static String await(CompletableFuture<String> lookup, String name, Duration timeout) throws DkimException {
        try {
            return lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw DkimException.temperror("key lookup for " + name + " timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DkimException.temperror("key lookup for " + name + " interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DnsLookupException dns && dns.kind() != DnsLookupException.Kind.TEMPORARY) {
                throw DkimException.permerror("no key for signature (" + name + ")");
            }
            throw DkimException.temperror("key lookup for " + name + " failed: " + e.getCause().getMessage());
        }
    }
}
