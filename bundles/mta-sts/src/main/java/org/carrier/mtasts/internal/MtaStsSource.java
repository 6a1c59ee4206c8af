package org.carrier.mtasts.internal;

import java.io.IOException;
import java.net.IDN;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import javax.net.ssl.SSLSocketFactory;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.api.tls.WebPkiTrust;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policy source (RFC 8461). For a recipient domain it asks the {@code _mta-sts} TXT record (§3.1), and
 * when its {@code id} is not the cached policy's, fetches the policy over verified HTTPS (§3.3) and caches it on disk
 * under {@code <carrier.data.dir>/mta-sts/} for its {@code max_age} (§5.1). A failed TXT lookup or fetch never drops
 * a cached policy that has not expired, so that an attacker who blocks DNS or the policy host cannot turn an enforce
 * policy off; a fetched {@code mode: none} replaces it (§8.3). A policy in use for longer than {@code refreshHours}
 * is fetched again in the background, so that a domain that keeps its id keeps its policy past {@code max_age}
 * (§10.2 recommends refreshing before expiry). Each failed fetch is logged with the domain and reported to the
 * TLS-RPT recorder, once per {@code retryFailedFetchMinutes}, the time until the next try.
 */
@Component(service = MtaStsPolicies.class, configurationPid = MtaStsSource.PID)
@Designate(ocd = MtaStsSource.Config.class)
public class MtaStsSource implements MtaStsPolicies {
    static final String PID = "org.carrier.mta.sts";
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsSource.class);
    /** A domain as DNS names it in A-labels: letters, digits, hyphens, dots (and so a safe file name). */
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    @ObjectClassDefinition(name = "Carrier MTA-STS",
            description = "Recipient domains' MTA-STS policies (RFC 8461), which the SMTP delivery enforces on mx routes.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled",
                description = "Look up and apply recipient domains' MTA-STS policies; off: no domain has one (cached ones are kept on disk).")
        boolean enabled() default true;

        @AttributeDefinition(name = "Fetch timeout (seconds)", min = "1",
                description = "The whole policy fetch (address lookup, connect, TLS, answer) must end within this.")
        int fetchTimeoutSeconds() default 60;

        @AttributeDefinition(name = "Largest policy (bytes)", min = "512",
                description = "A policy file larger than this is refused (RFC 8461 §3.3 asks for a limit).")
        int maxPolicyBytes() default 65536;

        @AttributeDefinition(name = "Trusted CA file", required = false,
                description = "PEM certificates trusted for policy hosts, besides the JDK's roots. Empty: the JDK's only.")
        String tlsCaFile() default "";

        @AttributeDefinition(name = "Refresh after (hours)", min = "1",
                description = "A policy in use and older than this is fetched again in the background, so it does not expire.")
        int refreshHours() default 24;

        @AttributeDefinition(name = "Retry a failed fetch after (minutes)", min = "1",
                description = "After a failed fetch, the domain's cached policy (or none) applies this long before the next try.")
        int retryFailedFetchMinutes() default 5;
    }

    /** The settings in force. */
    record Settings(boolean enabled, PolicyFetcher.Limits limits, SSLSocketFactory tls, Duration refresh, Duration retry) {
    }

    private final DnsResolver dns;
    private final Supplier<TlsResultRecorder> recorder;
    private final PolicyStore store;
    private final Clock clock;
    private final ExecutorService fetchers = Executors.newFixedThreadPool(2, daemon("carrier-mta-sts-fetch"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("carrier-mta-sts-timer"));
    private final ConfigGuard<Config, Settings> configuration = new ConfigGuard<>(Config.class, "the MTA-STS source", LOG::error);
    private volatile Settings settings;

    /** The policies read from disk or fetched, by domain; an empty value: none cached. */
    private final Map<String, Optional<MtaStsPolicy>> policies = new ConcurrentHashMap<>();
    /** The fetch in progress per domain: every delivery to the domain waits for the same one. */
    private final Map<String, CompletableFuture<Optional<MtaStsPolicy>>> fetching = new ConcurrentHashMap<>();
    /** When a domain whose fetch failed may be fetched again. */
    private final Map<String, Instant> retryAt = new ConcurrentHashMap<>();
    /** The last problem logged per domain, so that every delivery does not repeat it. */
    private final Map<String, String> lastProblem = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile TlsResultRecorder tlsResults;

    @Activate
    public MtaStsSource(BundleContext context, @Reference DnsResolver dns, Config config, Map<String, Object> properties) {
        this(dns, null, cacheFolder(context.getProperty("carrier.data.dir")), Clock.systemUTC(), config, properties);
    }

    /** @param recorder the TLS-RPT recorder, or null for the optional service reference */
    MtaStsSource(DnsResolver dns, Supplier<TlsResultRecorder> recorder, Path folder, Clock clock, Config config,
                 Map<String, Object> properties) {
        this.dns = dns;
        this.recorder = recorder != null ? recorder : () -> tlsResults;
        this.store = new PolicyStore(folder);
        this.clock = clock;
        configure(config, properties);
    }

    static Path cacheFolder(String carrierDataDir) {
        return Path.of(carrierDataDir == null ? "data" : carrierDataDir, "mta-sts");
    }

    @Modified
    void configure(Config config, Map<String, Object> properties) {
        Settings next = configuration.apply(config, properties, MtaStsSource::settings);
        if (next != null && (settings == null || settings.enabled() != next.enabled())) {
            LOG.info("mta-sts: {} (policies cached in {})", next.enabled() ? "on" : "off (enabled = false): no domain's policy applies",
                    store.folder());
        }
        settings = next;
    }

    private static Settings settings(Config c) {
        if (c.fetchTimeoutSeconds() < 1) {
            throw new ConfigProblem("fetchTimeoutSeconds", c.fetchTimeoutSeconds(), "at least 1");
        }
        if (c.maxPolicyBytes() < 512) {
            throw new ConfigProblem("maxPolicyBytes", c.maxPolicyBytes(), "at least 512");
        }
        if (c.refreshHours() < 1) {
            throw new ConfigProblem("refreshHours", c.refreshHours(), "at least 1");
        }
        if (c.retryFailedFetchMinutes() < 1) {
            throw new ConfigProblem("retryFailedFetchMinutes", c.retryFailedFetchMinutes(), "at least 1");
        }
        return new Settings(c.enabled(), new PolicyFetcher.Limits(Duration.ofSeconds(c.fetchTimeoutSeconds()), c.maxPolicyBytes(), 443),
                trust(c.tlsCaFile()), Duration.ofHours(c.refreshHours()), Duration.ofMinutes(c.retryFailedFetchMinutes()));
    }

    private static SSLSocketFactory trust(String caFile) {
        Path file = caFile.isBlank() ? null : Path.of(caFile.strip());
        if (file != null && !Files.isReadable(file)) {
            throw new ConfigProblem("tlsCaFile", caFile, "a readable PEM file");
        }
        try {
            return WebPkiTrust.clientContext(file).getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigProblem("tlsCaFile", caFile, "a PEM file of CA certificates (" + e.getMessage() + ")");
        }
    }

    @Deactivate
    void stop() {
        fetchers.shutdownNow();
        timer.shutdownNow();
    }

    @Override
    public CompletionStage<Optional<MtaStsPolicy>> policy(String domain) {
        Settings s = settings;
        Optional<String> name = normalized(domain);
        if (s == null || !s.enabled() || name.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String d = name.get();
        return dns.txt("_mta-sts." + d)
                .handle((texts, error) -> afterTxt(d, texts, error, s))
                .thenCompose(stage -> stage)
                .exceptionally(e -> {
                    LOG.warn("mta-sts: {}: {}; its cached policy (if any) applies", d, e.toString());
                    return inForce(valid(d));
                });
    }

    @Override
    public Optional<MtaStsPolicy> cached(String domain) {
        Settings s = settings;
        if (s == null || !s.enabled()) {
            return Optional.empty();
        }
        return normalized(domain).flatMap(this::stored);
    }

    /** What the TXT answer means for the domain's policy (RFC 8461 §5.1). */
    private CompletionStage<Optional<MtaStsPolicy>> afterTxt(String domain, List<String> texts, Throwable error, Settings s) {
        MtaStsPolicy cached = valid(domain);
        Optional<String> id;
        if (error != null) {
            DnsLookupException lookup = lookupException(error);
            if (lookup == null || lookup.kind() == DnsLookupException.Kind.TEMPORARY) {
                // a DNS outage (or an attacker dropping the answer) must not turn an enforce policy off
                problem(domain, "_mta-sts." + domain + " TXT lookup failed (" + (lookup == null ? error : lookup.getMessage())
                        + "); " + (cached == null ? "no policy cached" : "the cached policy applies"));
                return done(inForce(cached));
            }
            id = Optional.empty();
        } else {
            try {
                id = StsRecord.id(texts);
            } catch (StsRecord.Invalid e) {
                problem(domain, "_mta-sts." + domain + " TXT ignored: " + e.getMessage() + "; "
                        + (cached == null ? "no policy" : "the cached policy applies"));
                return done(inForce(cached));
            }
        }
        if (id.isEmpty()) {
            // §5.1: without a TXT record an unexpired cached policy still applies; only mode none withdraws it
            return done(inForce(cached));
        }
        if (cached != null && cached.id().equals(id.get())) {
            if (Duration.between(cached.fetched(), clock.instant()).compareTo(s.refresh()) > 0) {
                fetch(domain, id.get(), s); // in the background: this delivery uses the cached policy
            }
            return done(inForce(cached));
        }
        return fetch(domain, id.get(), s);
    }

    /** The policy after a fetch for {@code id}, or the cached one while a failed fetch waits for its retry. */
    private CompletionStage<Optional<MtaStsPolicy>> fetch(String domain, String id, Settings s) {
        Instant retry = retryAt.get(domain);
        if (retry != null && clock.instant().isBefore(retry)) {
            return done(inForce(valid(domain)));
        }
        CompletableFuture<Optional<MtaStsPolicy>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<MtaStsPolicy>> running = fetching.putIfAbsent(domain, mine);
        if (running != null) {
            return running;
        }
        try {
            fetchers.execute(() -> {
                Optional<MtaStsPolicy> fetched = Optional.empty();
                try {
                    fetched = fetchNow(domain, id, s);
                } finally {
                    // gone before the waiters wake up, so that the next question starts a fetch of its own
                    fetching.remove(domain, mine);
                    mine.complete(fetched);
                }
            });
        } catch (RejectedExecutionException stopping) {
            fetching.remove(domain, mine);
            mine.complete(inForce(valid(domain)));
        }
        return mine;
    }

    private Optional<MtaStsPolicy> fetchNow(String domain, String id, Settings s) {
        MtaStsPolicy cached = valid(domain);
        try {
            String text = new PolicyFetcher(dns, s.tls(), timer).fetch(domain, s.limits());
            MtaStsPolicy policy;
            try {
                policy = PolicyText.parse(domain, id, clock.instant(), text);
            } catch (PolicyText.Invalid e) {
                throw new FetchFailure(TlsFailureType.STS_POLICY_INVALID, PolicyFetcher.url(domain, s.limits().port())
                        + ": not a valid policy: " + e.getMessage());
            }
            try {
                store.save(policy);
            } catch (IOException e) {
                LOG.warn("mta-sts: {}: cannot cache the policy in {}: {}; it applies until Carrier stops", domain, store.file(domain), e.toString());
            }
            policies.put(domain, Optional.of(policy));
            retryAt.remove(domain);
            lastProblem.remove(domain);
            LOG.info("mta-sts: {}: policy id {} fetched: mode {}, mx {}, max_age {}", domain, id, policy.mode().wireName(),
                    policy.mx().isEmpty() ? "(none)" : String.join(" ", policy.mx()), policy.maxAge().toSeconds());
            return inForce(policy);
        } catch (FetchFailure e) {
            retryAt.put(domain, clock.instant().plus(s.retry()));
            LOG.warn("mta-sts: {}: policy id {} not fetched ({}): {}; {}", domain, id, e.type().wireName(), e.getMessage(),
                    cached == null ? "no policy applies" : "the cached policy (id " + cached.id() + ", mode "
                            + cached.mode().wireName() + ") applies");
            report(domain, cached, e);
            return inForce(cached);
        } catch (RuntimeException e) {
            retryAt.put(domain, clock.instant().plus(s.retry()));
            LOG.error("mta-sts: {}: policy fetch failed", domain, e);
            return inForce(cached);
        }
    }

    /** The failure for TLS-RPT (RFC 8460 §4.3.2.2): no MX host was tried, so its name is empty. */
    private void report(String domain, MtaStsPolicy cached, FetchFailure failure) {
        TlsResultRecorder r = recorder.get();
        if (r != null) {
            r.record(TlsSessionResult.failure(domain, TlsPolicyType.STS, cached == null ? List.of() : cached.policyStrings(),
                    "", null, null, failure.type(), failure.getMessage()));
        }
    }

    /** The cached policy of a domain if it has not expired (§5.1), else null. */
    private MtaStsPolicy valid(String domain) {
        return stored(domain).filter(p -> !p.expiredAt(clock.instant())).orElse(null);
    }

    private Optional<MtaStsPolicy> stored(String domain) {
        return policies.computeIfAbsent(domain, d -> {
            try {
                return store.load(d);
            } catch (IOException | PolicyText.Invalid e) {
                problem(d, "cached policy " + store.file(d) + " ignored: " + e.getMessage());
                return Optional.empty();
            }
        });
    }

    /** Mode none is a withdrawn policy (§8.3): as if the domain had none. */
    private static Optional<MtaStsPolicy> inForce(MtaStsPolicy policy) {
        return policy == null || policy.mode() == MtaStsMode.NONE ? Optional.empty() : Optional.of(policy);
    }

    private static CompletionStage<Optional<MtaStsPolicy>> done(Optional<MtaStsPolicy> policy) {
        return CompletableFuture.completedFuture(policy);
    }

    private void problem(String domain, String text) {
        if (!text.equals(lastProblem.put(domain, text))) {
            LOG.warn("mta-sts: {}: {}", domain, text);
        }
    }

    private static DnsLookupException lookupException(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DnsLookupException lookup) {
                return lookup;
            }
        }
        return null;
    }

    /** The domain in lower-case A-labels without a trailing dot; empty for what is no domain name (an address literal). */
    static Optional<String> normalized(String domain) {
        try {
            String name = IDN.toASCII(domain.strip(), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            return DOMAIN.matcher(name).matches() ? Optional.of(name) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
