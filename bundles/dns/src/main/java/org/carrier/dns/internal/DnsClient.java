package org.carrier.dns.internal;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.net.HostPort;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Cache;
import org.xbill.DNS.Credibility;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SetResponse;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * Asks the configured servers one question at a time and classifies the outcome: records, "the name does not
 * exist", "no records of that type" or "no answer for now". Answers, positive and negative, are cached by dnsjava
 * for their TTL (RFC 1035 §7.4, RFC 2308 §5); failures to get an answer for a short while (RFC 2308 §7.1); and
 * identical questions in flight share one query. Questions that want the DNSSEC status go their own way
 * ({@link SecureLookups}), so that the plain ones cost what they always did.
 */
final class DnsClient {
    /** The settings that decide how a question is asked. */
    record Settings(List<InetSocketAddress> servers, Duration timeout, int retries, int maxTtl, int maxNegativeTtl,
                    Duration failureTtl, DnssecMode dnssec, TrustAnchor trustAnchor) {
    }

    private final Settings settings;
    private final Cache cache;
    private final LookupSession session;
    private final Duration deadline;
    private final SharedQuestions<List<Record>> questions;
    private final SecureLookups secure;

    Settings settings() {
        return settings;
    }

    DnsClient(Settings settings, Clock clock) {
        this(settings, clock, LoggerFactory.getLogger(DnsjavaResolver.class)::warn);
    }

    /** @param warn where the warning about servers that do not support DNSSEC goes */
    DnsClient(Settings settings, Clock clock, Consumer<String> warn) {
        this.settings = settings;
        ExtendedResolver resolver = resolver(settings);
        int servers = resolver.getResolvers().length;
        // Every server gets (retries + 1) tries of one timeout each; past that, the answer is "try again later".
        this.deadline = settings.timeout().multipliedBy((long) servers * (settings.retries() + 1));
        resolver.setTimeout(deadline);
        this.cache = new Cache(DClass.IN);
        cache.setMaxCache(settings.maxTtl());
        cache.setMaxNCache(settings.maxNegativeTtl());
        this.session = LookupSession.builder().resolver(resolver).cache(cache).clearSearchPath().build();
        this.questions = new SharedQuestions<>(settings.failureTtl(), clock);
        // A resolver of its own: the plain lookups above keep asking without DNSSEC records (no DO bit).
        ExtendedResolver secureUpstream = resolver(settings);
        secureUpstream.setTimeout(deadline);
        this.secure = new SecureLookups(settings, secureUpstream, servers(secureUpstream), deadline, clock, warn);
    }

    /** The addresses a resolver asks, for the log: {@code 127.0.0.1:53, [::1]:53}. */
    private static String servers(ExtendedResolver resolver) {
        return Arrays.stream(resolver.getResolvers())
                .map(r -> r instanceof SimpleResolver simple ? new HostPort(simple.getAddress().getAddress().getHostAddress(), simple.getAddress().getPort()).toString() : r.toString())
                .collect(Collectors.joining(", "));
    }

    /**
     * Takes over what {@code earlier} knew of the servers' DNSSEC support when it asked the same servers from the
     * same trust anchor: a resolver once seen to pass signed data stays known to (see {@link ResolverProbe}).
     */
    void inherit(DnsClient earlier) {
        if (earlier.settings.servers().equals(settings.servers())
                && earlier.settings.trustAnchor().equals(settings.trustAnchor())) {
            earlier.secure.probe().ifPresent(old -> secure.probe().ifPresent(probe -> probe.inherit(old)));
        }
    }

    /** Only for {@code dnssec = validate}: what is known of the servers' DNSSEC support. */
    Optional<ResolverProbe> probe() {
        return secure.probe();
    }

    static ExtendedResolver resolver(Settings settings) {
        ExtendedResolver resolver;
        if (settings.servers().isEmpty()) {
            resolver = new ExtendedResolver();
        } else {
            resolver = new ExtendedResolver(settings.servers().stream().<Resolver>map(SimpleResolver::new).toList());
        }
        for (Resolver r : resolver.getResolvers()) {
            // SimpleResolver retries over TCP by itself when a UDP answer is truncated (RFC 7766 §5).
            r.setTimeout(settings.timeout());
        }
        resolver.setRetries(settings.retries());
        return resolver;
    }

    /** The longest a question can take before it fails as {@link Kind#TEMPORARY}. */
    Duration deadline() {
        return deadline;
    }

    /** The records of {@code key}, or a {@link DnsLookupException} when there are none. */
    CompletableFuture<List<Record>> lookup(LookupKey key) {
        CompletableFuture<List<Record>> cached = cachedAnswer(key);
        return cached != null ? cached : questions.ask(key, () -> ask(key));
    }

    /**
     * What the cache holds for the name itself, answered at once; null when it holds nothing usable or an alias
     * (CNAME, DNAME), which the lookup session follows. The session would answer the same from the cache, as it
     * asks it with the same credibility, but it gives a cached "no such record" as a chain of exceptions with
     * their stack traces: with MX hosts that have an A and no AAAA record, the common case, that was 7.8 % of
     * the CPU of a 10-recipient fan-out (JFR, 2026-12-07).
     */
    private CompletableFuture<List<Record>> cachedAnswer(LookupKey key) {
        SetResponse cached = cache.lookupRecords(key.name(), key.type(), Credibility.NORMAL);
        if (cached.isNXDOMAIN()) {
            return CompletableFuture.failedFuture(nameNotFound(key));
        }
        if (cached.isNXRRSET()) {
            return CompletableFuture.failedFuture(noData(key));
        }
        if (cached.isSuccessful()) {
            // In the order the server gave them, as the session (built without cycleResults) does.
            return CompletableFuture.completedFuture(cached.answers().stream().flatMap(set -> set.rrs(false).stream()).toList());
        }
        return null;
    }

    private static DnsLookupException nameNotFound(LookupKey key) {
        return new DnsLookupException(Kind.NAME_NOT_FOUND, key.name() + ": no such domain (NXDOMAIN)");
    }

    private static DnsLookupException noData(LookupKey key) {
        return new DnsLookupException(Kind.NO_DATA, key + ": no such record (NODATA)");
    }

    /**
     * The records of {@code key} with their DNSSEC status, as the {@code dnssec} setting decides it; "no such name"
     * and "no such record" are empty answers, a bogus answer a {@link Kind#TEMPORARY} failure.
     */
    CompletableFuture<SecureLookups.Answer> secureLookup(LookupKey key) {
        return secure.lookup(key);
    }

    private CompletableFuture<List<Record>> ask(LookupKey key) {
        return session.lookupAsync(key.name(), key.type()).toCompletableFuture()
                .orTimeout(deadline.toMillis() + 500, TimeUnit.MILLISECONDS)
                .handle((result, error) -> {
                    if (error != null) {
                        throw new CompletionException(classify(key, error));
                    }
                    if (result.getRecords().isEmpty()) {
                        throw new CompletionException(noData(key));
                    }
                    return List.copyOf(result.getRecords());
                });
    }

    private static DnsLookupException classify(LookupKey key, Throwable error) {
        Throwable cause = cause(error);
        if (cause instanceof NoSuchDomainException) {
            return nameNotFound(key);
        }
        if (cause instanceof NoSuchRRSetException) {
            return noData(key);
        }
        if (cause instanceof TimeoutException) {
            return new DnsLookupException(Kind.TEMPORARY, key + ": no answer in time");
        }
        return new DnsLookupException(Kind.TEMPORARY, key + ": lookup failed: " + cause);
    }

    static Throwable cause(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
