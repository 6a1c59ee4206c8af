package org.carrier.dns.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnssecStatus;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * Questions whose answers carry a DNSSEC status (for DANE, RFC 7672 §2.1): asked of dnsjava's validator, or with the
 * DO bit of a resolver whose AD bit is trusted, or plainly ({@code dnssec = off}). Answers, positive and negative,
 * are cached for their TTL with their status; a bogus answer is a {@link Kind#TEMPORARY} failure, remembered as
 * every failure is (RFC 4035 §4.7 lets a validator cache bogus data only for a short while).
 */
final class SecureLookups {
    /** An answer: records of the type asked (empty for NXDOMAIN or NODATA), their status and how long they hold. */
    record Answer(List<Record> records, DnssecStatus status, Duration ttl) {
    }

    /** @param validated false for an answer asked past the validator of resolvers that do not support DNSSEC */
    private record Cached(Answer answer, Instant until, boolean validated) {
    }

    private static final int MAX_CACHED = 10_000;
    /** A validation may ask for DS and DNSKEY sets all the way down from the anchor before the answer itself. */
    private static final int VALIDATION_QUESTIONS = 4;

    private final DnssecMode mode;
    private final Resolver resolver;
    private final Resolver upstream;
    /** Only for {@code validate}: whether the servers pass DNSSEC records at all. */
    private final ResolverProbe probe;
    private final Duration deadline;
    private final Duration maxTtl;
    private final Duration maxNegativeTtl;
    private final Clock clock;
    private final SharedQuestions<Answer> questions;
    private final SharedQuestions<Answer> unvalidatedQuestions;
    private final Map<LookupKey, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param upstream the configured servers, not shared with the plain lookups (this sets EDNS flags on it)
     * @param servers  what they are, for the log
     * @param warn     where the warning about servers that do not support DNSSEC goes
     */
    SecureLookups(DnsClient.Settings settings, Resolver upstream, String servers, Duration deadline, Clock clock,
                  Consumer<String> warn) {
        this.mode = settings.dnssec();
        this.resolver = resolver(settings, upstream);
        this.upstream = upstream;
        this.probe = mode == DnssecMode.VALIDATE
                ? new ResolverProbe(upstream, servers, settings.trustAnchor(), deadline, clock, warn) : null;
        this.deadline = mode == DnssecMode.VALIDATE ? deadline.multipliedBy(VALIDATION_QUESTIONS) : deadline;
        this.maxTtl = Duration.ofSeconds(settings.maxTtl());
        this.maxNegativeTtl = Duration.ofSeconds(settings.maxNegativeTtl());
        this.clock = clock;
        this.questions = new SharedQuestions<>(settings.failureTtl(), clock);
        this.unvalidatedQuestions = new SharedQuestions<>(settings.failureTtl(), clock);
    }

    private static Resolver resolver(DnsClient.Settings settings, Resolver upstream) {
        switch (settings.dnssec()) {
            case VALIDATE -> {
                // The validator sets the DO bit (RFC 3225) on the upstream itself and checks signatures on the
                // system clock: an RRSIG's validity period is wall-clock time (RFC 4034 §3.1.5).
                ValidatingResolver validator = new ValidatingResolver(upstream, Clock.systemUTC());
                try {
                    validator.loadTrustAnchors(settings.trustAnchor().stream());
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // checked when the setting was read
                }
                return validator;
            }
            case TRUST_AD -> {
                // RFC 6840 §5.7: the AD bit in the question asks for it in the answer; DO as well, for resolvers
                // that only set AD for a DNSSEC-aware client (RFC 4035 §3.2.3).
                upstream.setEDNS(0, 0, ExtendedFlags.DO);
                return upstream;
            }
            default -> {
                return upstream;
            }
        }
    }

    DnssecMode mode() {
        return mode;
    }

    /** Only for {@code validate}: what is known of the servers' DNSSEC support. */
    Optional<ResolverProbe> probe() {
        return Optional.ofNullable(probe);
    }

    CompletableFuture<Answer> lookup(LookupKey key) {
        if (probe == null) {
            return lookup(key, true);
        }
        return probe.capability().thenCompose(c -> lookup(key, c != ResolverProbe.Capability.INCAPABLE));
    }

    /** @param validated false: past the validator, every answer insecure (the servers do not support DNSSEC) */
    private CompletableFuture<Answer> lookup(LookupKey key, boolean validated) {
        Cached cached = cache.get(key);
        Instant now = clock.instant();
        if (cached != null) {
            // An answer taken as insecure while the servers seemed not to support DNSSEC does not outlive that.
            if (now.isBefore(cached.until()) && cached.validated() == validated) {
                Answer a = cached.answer();
                return CompletableFuture.completedFuture(new Answer(a.records(), a.status(), Duration.between(now, cached.until())));
            }
            cache.remove(key, cached);
        }
        return (validated ? questions : unvalidatedQuestions).ask(key, () -> ask(key, validated).thenApply(answer -> {
            remember(key, answer, validated);
            return answer;
        }));
    }

    private void remember(LookupKey key, Answer answer, boolean validated) {
        if (answer.ttl().isZero()) {
            return;
        }
        Instant now = clock.instant();
        if (cache.size() >= MAX_CACHED) {
            cache.values().removeIf(c -> !now.isBefore(c.until()));
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
        }
        cache.put(key, new Cached(answer, now.plus(answer.ttl()), validated));
    }

    private CompletableFuture<Answer> ask(LookupKey key, boolean validated) {
        Message query = Message.newQuery(Record.newRecord(key.name(), key.type(), DClass.IN));
        if (mode == DnssecMode.TRUST_AD) {
            query.getHeader().setFlag(Flags.AD);
        }
        return (validated ? resolver : upstream).sendAsync(query).toCompletableFuture()
                .orTimeout(deadline.toMillis() + 500, TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = DnsClient.cause(error);
                        throw new CompletionException(new DnsLookupException(Kind.TEMPORARY, cause instanceof TimeoutException
                                ? key + ": no answer in time" : key + ": lookup failed: " + cause));
                    }
                    try {
                        return answer(key, response, validated);
                    } catch (DnsLookupException e) {
                        throw new CompletionException(e);
                    }
                });
    }

    /** The answer a response gives, with its status; SERVFAIL and other errors are failures, a bogus one named so. */
    Answer answer(LookupKey key, Message response, boolean validated) throws DnsLookupException {
        int rcode = response.getRcode();
        if (rcode == Rcode.SERVFAIL) {
            String bogus = bogusReason(response);
            throw new DnsLookupException(Kind.TEMPORARY, bogus != null ? "DNSSEC bogus: " + key + ": " + bogus
                    : key + ": server failure (SERVFAIL)");
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new DnsLookupException(Kind.TEMPORARY, key + ": the server answered " + Rcode.string(rcode));
        }
        DnssecStatus status = validated && mode != DnssecMode.OFF && response.getHeader().getFlag(Flags.AD)
                ? DnssecStatus.SECURE : DnssecStatus.INSECURE;
        List<Record> records = rcode == Rcode.NOERROR ? response.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == key.type()).toList() : List.of();
        return new Answer(records, status, records.isEmpty() ? negativeTtl(response) : positiveTtl(response));
    }

    /** The least TTL in the answer section (the CNAMEs followed included), at most {@code maxCacheTtlSeconds}. */
    private Duration positiveTtl(Message response) {
        long least = response.getSection(Section.ANSWER).stream().mapToLong(Record::getTTL).min().orElse(0);
        return min(Duration.ofSeconds(least), maxTtl);
    }

    /** RFC 2308 §5: a negative answer holds for the lesser of the SOA's TTL and its minimum; without a SOA, not at all. */
    private Duration negativeTtl(Message response) {
        long ttl = response.getSection(Section.AUTHORITY).stream().filter(SOARecord.class::isInstance)
                .map(SOARecord.class::cast).mapToLong(soa -> Math.min(soa.getTTL(), soa.getMinimum())).min().orElse(0);
        return min(Duration.ofSeconds(ttl), maxNegativeTtl);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Why a SERVFAIL is a validation failure, or null when it does not say so: dnsjava's validator puts its reason in
     * a TXT record of a private class; a validating resolver may give an extended DNS error (RFC 8914 §4.7-4.13:
     * codes 1 to 12 are DNSSEC failures, e.g. 6 "DNSSEC Bogus", 7 "Signature Expired").
     */
    private static String bogusReason(Message response) {
        String reason = response.getSection(Section.ADDITIONAL).stream()
                .filter(r -> r.getType() == Type.TXT && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS)
                .map(r -> String.join("", ((TXTRecord) r).getStrings())).collect(Collectors.joining("; "));
        if (!reason.isEmpty()) {
            return reason;
        }
        OPTRecord opt = response.getOPT();
        if (opt == null) {
            return null;
        }
        for (EDNSOption option : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
            ExtendedErrorCodeOption ede = (ExtendedErrorCodeOption) option;
            if (ede.getErrorCode() >= ExtendedErrorCodeOption.UNSUPPORTED_DNSKEY_ALGORITHM
                    && ede.getErrorCode() <= ExtendedErrorCodeOption.NSEC_MISSING) {
                return "extended DNS error " + ede.getErrorCode() + (ede.getText() == null ? "" : " " + ede.getText());
            }
        }
        return null;
    }
}
