package org.carrier.filter.greylist.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.cluster.ClusterFallback;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.config.TypedConfig;
import org.carrier.api.filter.FilterSettings;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.IpNetwork;
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
 * Greylisting at RCPT TO (the triplet form of RFC 6647: the recipient is known there, and refusing a recipient costs the sender
 * nothing but a retry): the first attempt of a (client network, sender, recipient) triplet gets {@code 451 4.7.1};
 * a retry after the delay and within the retry window passes, and the triplet passes from then on. A client network
 * whose retries passed often enough is no longer greylisted. The state is kept under
 * {@code <carrier.data.dir>/greylist/} and survives a restart; with a cluster configured ({@link SharedState}) it is
 * the cluster's, so a retry at another node passes, and this node's memory stands in while that state cannot be
 * reached (or the client hears {@code 451 4.3.0}, as {@code clusterFailure} says).
 */
@Component(configurationPid = GreylistFilter.PID, property = {SmtpFilter.NAME + "=greylist", "service.ranking:Integer=700"})
@Designate(ocd = GreylistFilter.Config.class)
public class GreylistFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.greylist";
    private static final Logger LOG = LoggerFactory.getLogger(GreylistFilter.class);

    @ObjectClassDefinition(name = "Carrier filter: greylisting",
            description = "Defers the first attempt of each (client network, sender, recipient) triplet (RFC 6647).")
    public @interface Config {
        @AttributeDefinition(name = "Delay (s)", min = "0", description = "How long a new triplet is deferred.")
        int delaySeconds() default 300;

        @AttributeDefinition(name = "Retry window (hours)", min = "1",
                description = "How long after the first attempt a retry still counts; later, the triplet starts over.")
        int retryWindowHours() default 48;

        @AttributeDefinition(name = "Allowed entries expire after (days)", min = "1",
                description = "A triplet that passed, and a client network's count, are forgotten after this long without mail.")
        int allowedExpiryDays() default 35;

        @AttributeDefinition(name = "Allow a client network after", min = "0",
                description = "This many passed retries from one client network stop its greylisting; 0: never.")
        int autoAllowAfter() default 5;

        @AttributeDefinition(name = "IPv4 network prefix", min = "8", max = "32",
                description = "Clients in one such network count as one (a sender's pool of outbound servers).")
        int ipv4PrefixLength() default 24;

        @AttributeDefinition(name = "IPv6 network prefix", min = "16", max = "128")
        int ipv6PrefixLength() default 64;

        @AttributeDefinition(name = "Allow list", required = false,
                description = "Client networks never greylisted, separated by commas or spaces (CIDR). Relay-permitted sessions never are.")
        String[] allowList() default {};

        @AttributeDefinition(name = "Action for a new triplet",
                description = "TEMPFAIL (451 4.7.1, greylisting proper); TAG only marks the message (a trial run); ACCEPT lets all through.")
        PolicyAction action() default PolicyAction.TEMPFAIL;

        @AttributeDefinition(name = "Maximum entries", min = "100",
                description = "The least recently used entries are forgotten beyond this (a few hundred bytes each).")
        int maxEntries() default 200_000;

        @AttributeDefinition(name = "Save every (s)", min = "1",
                description = "How often a changed state is written to disk; a crash loses at most this much.")
        int syncSeconds() default 60;

        @AttributeDefinition(name = "Tag header", description = "The header field TAG and HOLD add.")
        String tagHeader() default "X-Carrier-Policy";

        @AttributeDefinition(name = "When the cluster state fails",
                description = "With a cluster (org.carrier.cluster) whose Redis cannot be reached in time: OPEN decides from this "
                        + "node's memory (a retry at another node may be deferred once more); CLOSED answers 451 4.3.0.")
        ClusterFailure clusterFailure() default ClusterFailure.OPEN;
    }

    private record Settings(int ipv4Prefix, int ipv6Prefix, List<IpNetwork> allowList, PolicyAction action,
                            long syncSeconds, String tagHeader, ClusterFailure clusterFailure) {
        /** Until a first good configuration: every client passes (and is remembered), rather than every RCPT failing. */
        static final Settings INERT = new Settings(32, 128, List.of(), PolicyAction.ACCEPT, 60, FilterSettings.DEFAULT_TAG_HEADER,
                ClusterFailure.OPEN);
    }

    private final Greylist greylist;
    private final MemoryEntries memory;
    private final ClusterFallback cluster = new ClusterFallback("greylist", "deciding from this node's memory", LOG::warn);

    /** The cluster's state when one is configured; absent, the greylist is this node's alone, as without a cluster. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedState sharedState;
    private final GreylistStore store;
    private final ScheduledExecutorService saver = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "carrier-greylist-save");
        t.setDaemon(true);
        return t;
    });
    private long lastSave = System.nanoTime();

    private final FilterConfiguration<Config, Configured> configuration =
            new FilterConfiguration<>(Config.class, PID, "the greylist filter", LOG::error);

    /** The settings and the greylist's rules of one configuration. */
    private record Configured(Settings settings, Greylist.Rules rules) {
    }

    @Activate
    public GreylistFilter(BundleContext context, Config config, Map<String, Object> properties) {
        this(Clock.systemUTC(), dataDirectory(context.getProperty("carrier.data.dir")), config, properties);
    }

    /** For tests: the shared state a cluster would give. */
    void sharedState(SharedState shared) {
        sharedState = shared;
    }

    GreylistFilter(Clock clock, Path directory, Config config, Map<String, Object> properties) {
        store = new GreylistStore(directory);
        Greylist.Rules defaults = rules(TypedConfig.defaults(Config.class));
        greylist = new Greylist(clock, defaults);
        memory = new MemoryEntries(store.load(), defaults.maxEntries());
        configuration.whenFirstRefused(new Configured(Settings.INERT, defaults), "greylists nobody until it is fixed");
        LOG.info("greylist: {} entries loaded from {}", memory.size(), store.file());
        configure(config, properties);
        // A short tick that looks at the current setting, so a new syncSeconds applies at once.
        saver.scheduleWithFixedDelay(this::saveWhenDue, 1, 1, TimeUnit.SECONDS);
    }

    static Path dataDirectory(String carrierDataDir) {
        return Path.of(carrierDataDir == null ? "data" : carrierDataDir, "greylist");
    }

    /**
     * A configuration with a bad entry is refused whole, naming the setting; the previous settings stay in force (a
     * refused first one greylists nobody: its allow list may be what was mistyped).
     */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::configured, next -> {
            greylist.rules(next.rules());
            memory.maxEntries(next.rules().maxEntries());
        });
    }

    private Configured configured(Config config) {
        String tagHeader = configuration.tagHeader(config.tagHeader(), configured -> configured.settings().tagHeader());
        List<IpNetwork> allow = ConfigProblem.check("allowList", config.allowList(), () -> IpNetwork.parseList(config.allowList()));
        return new Configured(new Settings(within(config.ipv4PrefixLength(), 32), within(config.ipv6PrefixLength(), 128),
                allow, config.action(), Math.max(1, config.syncSeconds()), tagHeader, config.clusterFailure()), rules(config));
    }

    private static int within(int prefix, int bits) {
        return Math.max(0, Math.min(bits, prefix));
    }

    private static Greylist.Rules rules(Config config) {
        return new Greylist.Rules(Math.max(0, config.delaySeconds()), TimeUnit.HOURS.toSeconds(Math.max(1, config.retryWindowHours())),
                TimeUnit.DAYS.toSeconds(Math.max(1, config.allowedExpiryDays())), Math.max(0, config.autoAllowAfter()),
                Math.max(100, config.maxEntries()));
    }

    @Deactivate
    void stop() {
        saver.shutdownNow();
        save();
    }

    /** The triplet needs the recipient: RCPT TO only. */
    @Override
    public Set<FilterStage> stages() {
        return Set.of(FilterStage.RCPT);
    }

    @Override
    public FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState transaction) {
        Settings s = configuration.settings().settings();
        InetAddress client = session.clientAddress().getAddress();
        if (session.relayPermitted() || s.allowList().stream().anyMatch(n -> n.contains(client))) {
            return FilterResult.proceed();
        }
        String network = IpNetwork.of(client, client instanceof Inet4Address ? s.ipv4Prefix() : s.ipv6Prefix()).toString();
        // The null sender of bounces (RFC 5321 §4.5.5) is greylisted as the sender "<>".
        String sender = envelope.reversePath().isNullSender() ? "<>" : envelope.reversePath().toString();
        Greylist.Decision decision = decide(s, network, sender, recipient.address().toString());
        if (decision == null) {
            return ClusterFailure.refusal("the greylist");
        }
        if (decision.passed()) {
            LOG.debug("{}: greylist: {} <{}> -> {}: pass ({})", session.sessionId(), network, sender, recipient, decision.reason());
            return FilterResult.proceed();
        }
        LOG.info("{}: greylist: {} <{}> -> {}: deferred ({})", session.sessionId(), network, sender, recipient, decision.reason());
        String text = "Greylisted, try again in " + decision.retryIn() + " seconds";
        HeaderField tag = new HeaderField(s.tagHeader(), "greylist=new network=" + network);
        return s.action().apply(new SmtpReply(550, "5.7.1", text), tag);
    }

    /** On the cluster's entries if there is a cluster, else (or failing, when open) this node's; {@code null}: refuse. */
    private Greylist.Decision decide(Settings s, String network, String sender, String recipient) {
        try {
            return cluster.decide(sharedState, s.clusterFailure(), shared -> greylist.check(new SharedEntries(shared), network, sender, recipient),
                    () -> greylist.check(memory, network, sender, recipient));
        } catch (SharedStateException e) {
            return null;
        }
    }

    private void saveWhenDue() {
        long now = System.nanoTime();
        if (now - lastSave >= TimeUnit.SECONDS.toNanos(configuration.settings().settings().syncSeconds())) {
            lastSave = now;
            try {
                greylist.expire(memory);
                save();
            } catch (RuntimeException e) {
                // A periodic task that throws is never run again: log, and try at the next tick.
                LOG.error("greylist: saving failed", e);
            }
        }
    }

    /** Writes the state if it changed; a failure is logged and the next round tries again. */
    synchronized void save() {
        List<Map.Entry<GreylistKey, GreylistEntry>> snapshot = memory.changedSnapshot();
        if (snapshot == null) {
            return;
        }
        try {
            store.save(snapshot);
        } catch (IOException | RuntimeException e) {
            memory.markChanged();
            LOG.error("greylist: cannot save {}: {}", store.file(), e.getMessage());
        }
    }
}
