package org.carrier.dns.internal;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dns.DnsAnswer;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.DnssecStatus;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NioClient;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The {@link DnsResolver} service on dnsjava. Its settings change live: a new configuration starts a new client
 * (and an empty cache); lookups already asked finish on the old one.
 */
@Component(service = {DnsResolver.class, MetricSource.class}, configurationPid = DnsjavaResolver.PID)
@Designate(ocd = DnsjavaResolver.Config.class)
public class DnsjavaResolver implements DnsResolver, MetricSource {
    static final String PID = "org.carrier.dns";
    private static final String DNSJAVA_SELECTOR_THREAD = "dnsjava NIO selector";
    /** Read by dnsjava when its selector starts. */
    private static final String DNSJAVA_SHUTDOWN_HOOK = "dnsjava.nio.register_shutdown_hook";
    private static final Logger LOG = LoggerFactory.getLogger(DnsjavaResolver.class);

    static {
        // dnsjava's own hook would run at exit alongside Felix's shutdown and fail on the stopped bundle's class loader
        // (NoClassDefFoundError on stderr); deactivate() closes the selector instead. An operator's -D setting wins.
        if (System.getProperty(DNSJAVA_SHUTDOWN_HOOK) == null) {
            System.setProperty(DNSJAVA_SHUTDOWN_HOOK, "false");
        }
    }

    @ObjectClassDefinition(name = "Carrier DNS resolver",
            description = "The name servers Carrier asks for MX, address, TXT and PTR records, and how long it waits.")
    public @interface Config {
        @AttributeDefinition(name = "Servers", required = false,
                description = "IP:port (or [IPv6]:port; port 53 when omitted), separated by commas. Empty: the system's resolvers.")
        String[] servers() default {};

        @AttributeDefinition(name = "Timeout (ms)", min = "1", description = "How long to wait for one server's answer.")
        int timeoutMillis() default 3000;

        @AttributeDefinition(name = "Retries", min = "0", description = "Further tries per server after a timeout.")
        int retries() default 1;

        @AttributeDefinition(name = "Maximum cache TTL (s)", min = "0",
                description = "Answers are cached for their TTL, but never longer than this.")
        int maxCacheTtlSeconds() default 86400;

        @AttributeDefinition(name = "Maximum negative cache TTL (s)", min = "0",
                description = "\"No such name\" and \"no such record\" are cached per RFC 2308 §5 (the SOA's minimum), but never longer than this.")
        int maxNegativeTtlSeconds() default 3600;

        @AttributeDefinition(name = "Failure cache (s)", min = "0", max = "300",
                description = "A timeout or server failure is remembered this long (RFC 2308 §7: at most 5 minutes), so that many recipients at a broken domain do not each wait.")
        int failureTtlSeconds() default 30;

        @AttributeDefinition(name = "DNSSEC",
                description = "How answers for DANE (MX, address and TLSA records) are known to be secure: validate (Carrier checks the signatures itself, from the trust anchor), trust-ad (believe the AD bit of the configured servers: only for a validating resolver on this host, such as unbound on 127.0.0.1) or off (nothing is secure, DANE never applies).")
        String dnssec() default "validate";

        @AttributeDefinition(name = "Trust anchor file", required = false,
                description = "DS or DNSKEY records in zone-file format that validation starts from. Empty: the root zone's keys (IANA KSK-2017 and KSK-2024), built in.")
        String trustAnchorFile() default "";
    }

    private volatile DnsClient client;
    private final CounterFamily lookups = new CounterFamily("carrier_dns_lookups_total",
            "DNS questions asked of the resolver (cached answers included), by record type", "type");
    private final CounterFamily failures = new CounterFamily("carrier_dns_failures_total",
            "DNS questions without an answer, by record type and reason (temporary: timeout or SERVFAIL; "
                    + "name_not_found: NXDOMAIN; no_data: no record of the type)", "type", "reason");

    private final CounterFamily dnssec = new CounterFamily("carrier_dns_dnssec_answers_total",
            "Answers that carry a DNSSEC status (for DANE), by record type and status (secure, insecure; bogus: "
                    + "failed validation; failed: no answer)", "type", "status");

    private final ConfigGuard<Config, DnsClient.Settings> configuration = new ConfigGuard<>(Config.class, "the DNS resolver", LOG::error);

    private final Clock clock;
    private final Consumer<String> warn;

    @Activate
    public DnsjavaResolver(Config config, Map<String, Object> properties) {
        this(config, properties, Clock.systemUTC(), LOG::warn);
    }

    /** For tests: the clock the caches and the DNSSEC probe go by, and where the probe's warning goes. */
    DnsjavaResolver(Config config, Map<String, Object> properties, Clock clock, Consumer<String> warn) {
        this.clock = clock;
        this.warn = warn;
        modified(config, properties);
    }

    /** For tests (the router's too): a resolver configured as by a file of the given settings. */
    public DnsjavaResolver(Config config) {
        this(config, Map.of("service.pid", PID));
    }

    /**
     * dnsjava runs one selector thread for all its lookups, which outlives the bundle that started it: a refreshed
     * dnsjava would leave it running on a dead class loader. Its NioClient asks containers to close it, as this does;
     * the next lookup, if any, starts it afresh. Not while the JVM exits: the thread is a daemon anyway, and dnsjava's
     * close() unregisters a shutdown hook, which the JVM refuses then (a warning in the log at every stop).
     */
    @Deactivate
    void deactivate() {
        if (dnsjavaSelectorRuns() && !jvmExiting()) {
            NioClient.close();
        }
    }

    static boolean dnsjavaSelectorRuns() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.isAlive() && thread.getName().equals(DNSJAVA_SELECTOR_THREAD));
    }

    private static boolean jvmExiting() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true; // "Shutdown in progress"
        }
    }

    /** A configuration with a bad value is refused as a whole (one log line), and the client in force stays. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        DnsClient.Settings settings = configuration.apply(config, properties, DnsjavaResolver::settings);
        DnsClient current = client;
        if (current != null && current.settings().equals(settings)) {
            return;
        }
        DnsClient next = new DnsClient(settings, clock, warn);
        if (current != null) {
            next.inherit(current);
        }
        client = next;
        LOG.info("DNS servers: {}, a lookup gives up after {} ms; DNSSEC: {}", settings.servers().isEmpty() ? "the system's" : settings.servers(),
                client.deadline().toMillis(), dnssecInForce(settings));
    }

    private static String dnssecInForce(DnsClient.Settings settings) {
        return switch (settings.dnssec()) {
            case VALIDATE -> "validate from " + settings.trustAnchor().source();
            case TRUST_AD -> "trust the AD bit of the servers";
            case OFF -> "off";
        };
    }

    DnsClient.Settings settingsInForce() {
        return client.settings();
    }

    static DnsClient.Settings settings(Config c) {
        return new DnsClient.Settings(ConfigProblem.check("servers", c.servers(), () -> DnsServers.parse(c.servers())),
                Duration.ofMillis(ConfigProblem.atLeast("timeoutMillis", c.timeoutMillis(), 1)),
                ConfigProblem.atLeast("retries", c.retries(), 0),
                ConfigProblem.atLeast("maxCacheTtlSeconds", c.maxCacheTtlSeconds(), 0),
                ConfigProblem.atLeast("maxNegativeTtlSeconds", c.maxNegativeTtlSeconds(), 0),
                // RFC 2308 §7.1: a server failure may be cached, but for at most five minutes.
                Duration.ofSeconds(ConfigProblem.between("failureTtlSeconds", c.failureTtlSeconds(), 0, 300)),
                ConfigProblem.check("dnssec", c.dnssec(), () -> DnssecMode.parse(c.dnssec())),
                ConfigProblem.check("trustAnchorFile", c.trustAnchorFile(), () -> TrustAnchor.of(c.trustAnchorFile())));
    }

    @Override
    public CompletionStage<List<MxRecord>> mx(String domain) {
        return records(domain, Type.MX, r -> {
            MXRecord mx = (MXRecord) r;
            // RFC 7505 §3: the null MX is "0 ." (the root as exchange): its host stays empty.
            return new MxRecord(mx.getPriority(), hostName(mx.getTarget()));
        });
    }

    /**
     * AAAA and A asked together; IPv6 first (RFC 6724 §6 default preference). One family failing for now does not
     * hide the other's answer; the whole fails only if neither gives an address.
     */
    @Override
    public CompletionStage<List<InetAddress>> addresses(String host) {
        CompletableFuture<List<InetAddress>> v6 = records(host, Type.AAAA, r -> ((AAAARecord) r).getAddress());
        CompletableFuture<List<InetAddress>> v4 = records(host, Type.A, r -> ((ARecord) r).getAddress());
        return v6.handle((six, sixError) -> v4.handle((four, fourError) -> combine(host, six, sixError, four, fourError)))
                .thenCompose(Function.identity());
    }

    @Override
    public CompletionStage<List<InetAddress>> ipv4Addresses(String host) {
        return records(host, Type.A, r -> ((ARecord) r).getAddress());
    }

    @Override
    public CompletionStage<List<InetAddress>> ipv6Addresses(String host) {
        return records(host, Type.AAAA, r -> ((AAAARecord) r).getAddress());
    }

    private static List<InetAddress> combine(String host, List<InetAddress> six, Throwable sixError,
                                             List<InetAddress> four, Throwable fourError) {
        List<InetAddress> all = new ArrayList<>();
        if (six != null) {
            all.addAll(six);
        }
        if (four != null) {
            all.addAll(four);
        }
        if (!all.isEmpty()) {
            return all;
        }
        // Neither family has an address: "for now" if either could not be asked, else "no such name" if either says so.
        List<Kind> kinds = List.of(kind(sixError), kind(fourError));
        Kind kind = kinds.contains(Kind.TEMPORARY) ? Kind.TEMPORARY
                : kinds.contains(Kind.NAME_NOT_FOUND) ? Kind.NAME_NOT_FOUND : Kind.NO_DATA;
        throw new CompletionException(new DnsLookupException(kind, host + ": no address ("
                + DnsClient.cause(sixError).getMessage() + "; " + DnsClient.cause(fourError).getMessage() + ")"));
    }

    private static Kind kind(Throwable error) {
        return DnsClient.cause(error) instanceof DnsLookupException e ? e.kind() : Kind.TEMPORARY;
    }

    @Override
    public CompletionStage<List<String>> txt(String name) {
        // getStrings() would give zone-file text (\" and \ddd escapes); the raw bytes are the published text.
        return records(name, Type.TXT, r -> ((TXTRecord) r).getStringsAsByteArrays().stream()
                .map(bytes -> new String(bytes, StandardCharsets.UTF_8)).collect(Collectors.joining()));
    }

    @Override
    public CompletionStage<List<String>> ptr(InetAddress address) {
        return lookup(ReverseMap.fromAddress(address), Type.PTR, r -> hostName(((PTRRecord) r).getTarget()));
    }

    @Override
    public CompletionStage<DnsAnswer<MxRecord>> mxAnswer(String domain) {
        return answer(domain, Type.MX, r -> {
            MXRecord mx = (MXRecord) r;
            return new MxRecord(mx.getPriority(), hostName(mx.getTarget()));
        });
    }

    /**
     * AAAA and A asked together, IPv6 first as for {@link #addresses}; secure only if both are (RFC 7672 §2.2.2).
     * Unlike {@link #addresses}, a failure of either family fails the whole: DANE must not be decided on half an
     * answer, and an attacker who can make one question fail must not turn a secure host into an insecure one.
     */
    @Override
    public CompletionStage<DnsAnswer<InetAddress>> addressesAnswer(String host) {
        CompletableFuture<DnsAnswer<InetAddress>> v6 = answer(host, Type.AAAA, r -> ((AAAARecord) r).getAddress());
        CompletableFuture<DnsAnswer<InetAddress>> v4 = answer(host, Type.A, r -> ((ARecord) r).getAddress());
        return v6.thenCombine(v4, (six, four) -> {
            List<InetAddress> all = new ArrayList<>(six.records());
            all.addAll(four.records());
            DnssecStatus status = six.secure() && four.secure() ? DnssecStatus.SECURE : DnssecStatus.INSECURE;
            return new DnsAnswer<>(all, status, six.ttl().compareTo(four.ttl()) <= 0 ? six.ttl() : four.ttl());
        });
    }

    @Override
    public CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name) {
        return answer(name, Type.TLSA, r -> {
            TLSARecord tlsa = (TLSARecord) r;
            return new TlsaRecord(tlsa.getCertificateUsage(), tlsa.getSelector(), tlsa.getMatchingType(),
                    tlsa.getCertificateAssociationData());
        });
    }

    private <T> CompletableFuture<DnsAnswer<T>> answer(String name, int type, Function<Record, T> convert) {
        Name absolute;
        try {
            absolute = absolute(name);
        } catch (DnsLookupException e) {
            return CompletableFuture.failedFuture(e);
        }
        String typeName = Type.string(type);
        lookups.increment(typeName);
        return client.secureLookup(new LookupKey(absolute, type))
                .thenApply(answer -> new DnsAnswer<>(answer.records().stream().map(convert).toList(), answer.status(), answer.ttl()))
                .whenComplete((answer, error) -> {
                    // counted before the caller sees the answer
                    dnssec.increment(typeName, error == null ? answer.status().name().toLowerCase(Locale.ROOT)
                            : String.valueOf(DnsClient.cause(error).getMessage()).startsWith("DNSSEC bogus") ? "bogus" : "failed");
                });
    }

    private <T> CompletableFuture<List<T>> records(String name, int type, Function<Record, T> convert) {
        try {
            return lookup(absolute(name), type, convert);
        } catch (DnsLookupException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Name absolute(String name) throws DnsLookupException {
        try {
            // RFC 6531 §3.7.3 / RFC 5890: an internationalized domain is looked up by its A-labels (xn--...).
            String ascii = IDN.toASCII(name, IDN.ALLOW_UNASSIGNED);
            return Name.fromString(ascii.endsWith(".") ? ascii : ascii + ".");
        } catch (TextParseException | IllegalArgumentException e) {
            throw new DnsLookupException(Kind.NAME_NOT_FOUND, "not a domain name: " + name);
        }
    }

    private <T> CompletableFuture<List<T>> lookup(Name name, int type, Function<Record, T> convert) {
        LookupKey key = new LookupKey(name, type);
        String typeName = Type.string(type);
        lookups.increment(typeName);
        CompletableFuture<List<T>> answered = client.lookup(key).thenApply(records -> {
            List<T> answers = records.stream().filter(r -> r.getType() == type).map(convert).toList();
            if (answers.isEmpty()) {
                throw new CompletionException(new DnsLookupException(Kind.NO_DATA, key + ": no such record (NODATA)"));
            }
            return answers;
        });
        // the caller sees the answer once it is counted
        return answered.whenComplete((answers, error) -> {
            if (error != null) {
                failures.increment(typeName, kind(error).name().toLowerCase(Locale.ROOT));
            }
        });
    }

    @Override
    public void collect(MetricWriter out) {
        lookups.writeTo(out);
        failures.writeTo(out);
        dnssec.writeTo(out);
        client.probe().ifPresent(probe -> out.gauge("carrier_dns_dnssec_resolver_capable",
                "Whether the DNS servers pass DNSSEC records for dnssec = validate (1: yes; 0: no, so DANE is "
                        + "inactive and answers are insecure; -1: not known yet)", probe.state().gauge));
    }

    /** A host name without the trailing dot, in lower case (RFC 4343: DNS names compare case-insensitively). */
    private static String hostName(Name name) {
        return name.equals(Name.root) ? "" : name.toString(true).toLowerCase(Locale.ROOT);
    }
}
