package org.carrier.dns.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Whether the configured resolvers pass DNSSEC records on, for {@code dnssec = validate}: asked for the DNSKEY set of
 * each trust anchor's owner name with the DO bit (RFC 3225 §3), a resolver that does answers with the RRSIGs over it
 * (RFC 4035 §3.1.1). One that strips them (a DNSSEC-unaware stub or forwarder), refuses the question or has no such
 * set (an authoritative-only server) cannot give the validator a chain to the anchor: every signed answer would be
 * bogus and all mail to signed domains deferred. Such a resolver is {@link Capability#INCAPABLE}: answers are then
 * insecure, as Postfix treats them without a validating resolver, so DANE does not apply (RFC 7672 §2.1 needs
 * secure answers) and MTA-STS or opportunistic TLS still protect.
 * <p>
 * Downgrade resistance: once a probe has seen a signed DNSKEY set the resolver is {@link Capability#CAPABLE} for good
 * (the life of the process, while servers and anchor stay the same), so an attacker who strips RRSIGs after that gets
 * bogus answers, which defer, never insecure ones. A probe without an answer (timeout, SERVFAIL) teaches nothing:
 * answers stay validated (bogus stays bogus) and the probe is asked again, at most every {@link #RETRY_UNKNOWN}.
 */
final class ResolverProbe {
    /** What the probe knows of the resolvers; {@link #gauge} is the metric's value. */
    enum Capability {
        CAPABLE(1), INCAPABLE(0), UNKNOWN(-1);

        final int gauge;

        Capability(int gauge) {
            this.gauge = gauge;
        }
    }

    /** What one anchor's DNSKEY question showed. */
    record Finding(Name anchor, Capability capability, String seen) {
    }

    static final Duration RETRY_UNKNOWN = Duration.ofSeconds(30);
    /** A resolver may be fixed (or upgraded) behind the same address: asked again this often, while it lasts. */
    static final Duration RETRY_INCAPABLE = Duration.ofMinutes(10);
    static final Duration WARN_EVERY = Duration.ofHours(1);
    private static final int EDNS_PAYLOAD = 1232;

    private final Resolver upstream;
    private final String servers;
    private final List<Name> anchors;
    private final Duration deadline;
    private final Clock clock;
    private final Consumer<String> warn;

    private volatile Capability state = Capability.UNKNOWN;
    private Instant nextProbe = Instant.MIN;
    private Instant lastWarning;
    private CompletableFuture<Capability> inFlight;

    /**
     * @param upstream the resolver the validator asks, not itself validating
     * @param servers  the servers it asks, for the log
     */
    ResolverProbe(Resolver upstream, String servers, TrustAnchor anchor, Duration deadline, Clock clock, Consumer<String> warn) {
        this.upstream = upstream;
        this.servers = servers;
        this.anchors = anchor.records().stream().map(Record::getName).distinct().toList();
        this.deadline = deadline;
        this.clock = clock;
        this.warn = warn;
    }

    /** Takes over what {@code earlier} learnt: a resolver known capable stays so (the same servers and anchor). */
    void inherit(ResolverProbe earlier) {
        if (earlier.state == Capability.CAPABLE) {
            state = Capability.CAPABLE;
        }
    }

    /** The state for the metric, without probing. */
    Capability state() {
        return state;
    }

    /** The capability to answer by: known, or probed now (lookups meanwhile wait for the one probe in flight). */
    synchronized CompletableFuture<Capability> capability() {
        if (state == Capability.CAPABLE) {
            return CompletableFuture.completedFuture(state);
        }
        if (inFlight != null) {
            return inFlight;
        }
        if (clock.instant().isBefore(nextProbe)) {
            return CompletableFuture.completedFuture(state);
        }
        CompletableFuture<Capability> probe = new CompletableFuture<>();
        inFlight = probe;
        // set before asking: a probe answered at once clears it again in settle()
        probe().thenApply(this::settle).whenComplete((capability, error) -> {
            if (error != null) {
                probe.complete(unsettled());
            } else {
                probe.complete(capability);
            }
        });
        return probe;
    }

    private CompletableFuture<List<Finding>> probe() {
        List<CompletableFuture<Finding>> asked = anchors.stream().map(this::ask).toList();
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                .thenApply(done -> asked.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Finding> ask(Name anchor) {
        Message query = Message.newQuery(Record.newRecord(anchor, Type.DNSKEY, DClass.IN));
        // CD (RFC 4035 §3.2.2): the records as they are, which the validator checks itself.
        query.getHeader().setFlag(Flags.CD);
        query.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        return upstream.sendAsync(query).toCompletableFuture()
                .orTimeout(deadline.toMillis() + 500, TimeUnit.MILLISECONDS)
                .handle((response, error) -> error == null ? finding(anchor, response)
                        : new Finding(anchor, Capability.UNKNOWN, DnsClient.cause(error) instanceof TimeoutException
                                ? "no answer in time" : "no answer (" + DnsClient.cause(error) + ")"));
    }

    /** What a response to the DNSKEY question of {@code anchor} says of the resolver that gave it. */
    static Finding finding(Name anchor, Message response) {
        int rcode = response.getRcode();
        if (rcode == Rcode.SERVFAIL) {
            return new Finding(anchor, Capability.UNKNOWN, "SERVFAIL");
        }
        if (rcode != Rcode.NOERROR) {
            return new Finding(anchor, Capability.INCAPABLE, Rcode.string(rcode));
        }
        List<Record> answer = response.getSection(Section.ANSWER);
        if (answer.stream().noneMatch(r -> r.getType() == Type.DNSKEY && r.getName().equals(anchor))) {
            return new Finding(anchor, Capability.INCAPABLE, "no DNSKEY set");
        }
        boolean signed = answer.stream().anyMatch(r -> r instanceof RRSIGRecord sig
                && sig.getTypeCovered() == Type.DNSKEY && sig.getName().equals(anchor));
        return signed ? new Finding(anchor, Capability.CAPABLE, "a signed DNSKEY set")
                : new Finding(anchor, Capability.INCAPABLE, "a DNSKEY set without RRSIG records");
    }

    /** Every anchor must be served signed; one that is not makes the resolvers incapable. */
    private synchronized Capability settle(List<Finding> findings) {
        inFlight = null;
        Instant now = clock.instant();
        List<Finding> incapable = findings.stream().filter(f -> f.capability() == Capability.INCAPABLE).toList();
        if (!incapable.isEmpty()) {
            state = Capability.INCAPABLE;
            nextProbe = now.plus(RETRY_INCAPABLE);
            if (lastWarning == null || !now.isBefore(lastWarning.plus(WARN_EVERY))) {
                lastWarning = now;
                warn.accept(warning(incapable));
            }
        } else if (findings.stream().allMatch(f -> f.capability() == Capability.CAPABLE)) {
            state = Capability.CAPABLE;
        } else {
            // Unknown teaches nothing: the state stays what it was (validated answers, unless known incapable).
            nextProbe = now.plus(RETRY_UNKNOWN);
        }
        return state;
    }

    private synchronized Capability unsettled() {
        inFlight = null;
        nextProbe = clock.instant().plus(RETRY_UNKNOWN);
        return state;
    }

    private String warning(List<Finding> incapable) {
        StringBuilder seen = new StringBuilder();
        for (Finding f : incapable) {
            seen.append(seen.isEmpty() ? "" : "; ").append("DNSKEY ").append(f.anchor()).append(" with the DO bit: ").append(f.seen());
        }
        return "DNS servers " + servers + " do not support DNSSEC (" + seen + "). DANE is inactive: answers are treated"
                + " as insecure; mail goes by MTA-STS or opportunistic TLS; use a DNSSEC-aware resolver (e.g. a local"
                + " unbound) or set dnssec = off to silence this";
    }
}
