package org.carrier.filter.dnsbl.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;

/**
 * Asks every zone about one client at once and waits for the answers until one deadline, so the slowest list
 * bounds the wait rather than the sum of all of them.
 */
final class DnsblLookup {
    /** RFC 5321 §4.5.3.1.5: a reply line has at most 512 octets; the list's text is one part of it. */
    private static final int MAX_TEXT = 300;

    /** A zone that lists the client, with the return code it gave. */
    record Listing(DnsblZone zone, InetAddress code) {
    }

    private final DnsResolver resolver;
    private final FailureLog failures;
    private final InetAddress client;
    private final long deadline;

    DnsblLookup(DnsResolver resolver, FailureLog failures, InetAddress client, long timeoutMillis) {
        this.resolver = resolver;
        this.failures = failures;
        this.client = client;
        this.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** The zones, in their configured order, that list the client with a return code that counts. */
    List<Listing> listings(List<DnsblZone> zones) {
        List<CompletableFuture<List<InetAddress>>> answers = zones.stream()
                .map(z -> resolver.ipv4Addresses(z.queryName(client)).toCompletableFuture()).toList();
        List<Listing> listed = new ArrayList<>();
        for (int i = 0; i < zones.size(); i++) {
            DnsblZone zone = zones.get(i);
            await(answers.get(i), zone.zone(), zone.queryName(client)).orElse(List.of()).stream()
                    .filter(zone::counts).findFirst()
                    .ifPresent(code -> listed.add(new Listing(zone, code)));
        }
        return listed;
    }

    /** The list's explanation (its TXT record, RFC 5782 §2.1), made safe for a reply line; empty if it has none. */
    String text(Listing listing) {
        String name = listing.zone().queryName(client);
        List<String> texts = await(resolver.txt(name).toCompletableFuture(), listing.zone().zone(), name).orElse(List.of());
        String joined = String.join(" ", texts).replaceAll("[^\\x20-\\x7e]", " ").replaceAll(" +", " ").trim();
        return joined.length() > MAX_TEXT ? joined.substring(0, MAX_TEXT) : joined;
    }

    /**
     * The answer, or empty when the name does not exist (not listed) or no answer came in time. A DNS list that
     * cannot be asked fails open: the client is not refused for the list's trouble (a list's outage must not stop
     * all mail), and the failure is logged.
     */
    private <T> Optional<T> await(CompletableFuture<T> answer, String zone, String name) {
        try {
            return Optional.of(answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            failures.failed(zone, name, "no answer in time");
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof DnsLookupException lookup) || lookup.kind() == DnsLookupException.Kind.TEMPORARY) {
                failures.failed(zone, name, "lookup failed: " + e.getCause().getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }
}
