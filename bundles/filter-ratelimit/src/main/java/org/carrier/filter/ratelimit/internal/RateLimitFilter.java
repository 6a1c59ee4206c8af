package org.carrier.filter.ratelimit.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.cluster.ClusterFallback;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.config.TypedConfig;
import org.carrier.api.filter.FilterConfiguration;
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
import org.carrier.filter.ratelimit.internal.Windows.Limit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
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
 * Limits how many messages and recipients a client address, an authenticated user and a sender domain may send per
 * time window. Messages are counted at MAIL FROM, as Postfix's anvil counts message delivery requests: the refusal
 * comes before the client sends recipients and data, at the price that a transaction abandoned later still counts.
 * Recipients are counted at RCPT TO, each one the router accepted (a filter that runs later may still refuse it).
 * Over a limit the client hears {@code 451 4.7.1} by default (RFC 3463 §3.8: a security or policy status, here for
 * now), or {@code 421 4.7.0} and the connection is closed (RFC 5321 §3.8) when {@code disconnect} is set.
 * With a cluster configured ({@link SharedState}) the windows count on the cluster's counters, so a limit holds for
 * all nodes together; while those cannot be reached this node counts alone (or the client hears {@code 451 4.3.0}),
 * as {@code clusterFailure} says.
 */
@Component(configurationPid = RateLimitFilter.PID, property = {SmtpFilter.NAME + "=ratelimit", "service.ranking:Integer=800"})
@Designate(ocd = RateLimitFilter.Config.class)
public class RateLimitFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.ratelimit";
    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    @ObjectClassDefinition(name = "Carrier filter: rate limits",
            description = "Messages and recipients per time window per client address, authenticated user and sender domain; 0 turns a limit off.")
    public @interface Config {
        @AttributeDefinition(name = "Window (s)", min = "1", description = "The length of the sliding window every limit counts in.")
        int windowSeconds() default 3600;

        @AttributeDefinition(name = "Messages per client address", min = "0")
        int messagesPerClient() default 200;

        @AttributeDefinition(name = "Recipients per client address", min = "0")
        int recipientsPerClient() default 1000;

        @AttributeDefinition(name = "Messages per authenticated user", min = "0")
        int messagesPerUser() default 500;

        @AttributeDefinition(name = "Recipients per authenticated user", min = "0")
        int recipientsPerUser() default 2000;

        @AttributeDefinition(name = "Messages per sender domain", min = "0",
                description = "Counted on the MAIL FROM domain; bounces (<>) are not counted. Off by default: many clients share a domain.")
        int messagesPerSenderDomain() default 0;

        @AttributeDefinition(name = "Recipients per sender domain", min = "0")
        int recipientsPerSenderDomain() default 0;

        @AttributeDefinition(name = "Relay-permitted sessions: limit factor", min = "0",
                description = "Trusted networks and authenticated sessions get the client and sender domain limits times this; "
                        + "0 exempts them from those (the per-user limits apply as set).")
        int relayPermittedFactor() default 10;

        @AttributeDefinition(name = "Action over a limit",
                description = "TEMPFAIL: 451 4.7.1 (or 421 4.7.0 with disconnect); REJECT: 550 5.7.1; TAG/HOLD: let through with the tag header.")
        PolicyAction action() default PolicyAction.TEMPFAIL;

        @AttributeDefinition(name = "Disconnect", description = "Close the connection after refusing (TEMPFAIL answers 421 4.7.0).")
        boolean disconnect() default false;

        @AttributeDefinition(name = "Maximum tracked keys", min = "100",
                description = "Addresses, users and domains counted at once; beyond it the least recently used is forgotten.")
        int maxKeys() default 100_000;

        @AttributeDefinition(name = "Tag header", description = "The header field TAG and HOLD add.")
        String tagHeader() default "X-Carrier-Policy";

        @AttributeDefinition(name = "When the cluster state fails",
                description = "With a cluster (org.carrier.cluster) whose Redis cannot be reached in time: OPEN counts on this "
                        + "node alone meanwhile (each node allows the limit); CLOSED answers 451 4.3.0.")
        ClusterFailure clusterFailure() default ClusterFailure.OPEN;
    }

    /** What is counted: messages or recipients, with their three limits. */
    private record Counted(String noun, int perClient, int perUser, int perSenderDomain) {
    }

    private record Settings(Counted messages, Counted recipients, int relayFactor, PolicyAction action,
                            boolean disconnect, String tagHeader, long windowSeconds, int maxKeys, ClusterFailure clusterFailure) {
    }

    private final Clock clock;
    private final SlidingWindows messageCounts;
    private final SlidingWindows recipientCounts;
    private final ClusterFallback cluster = new ClusterFallback("ratelimit", "counting on this node alone", LOG::warn);

    /** The cluster's state when one is configured; absent, the counts are this node's alone, as without a cluster. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedState sharedState;
    private final FilterConfiguration<Config, Settings> configuration =
            new FilterConfiguration<>(Config.class, PID, "the rate limit filter", LOG::error);

    @Activate
    public RateLimitFilter(Config config, Map<String, Object> properties) {
        this(Clock.systemUTC(), config, properties);
    }

    RateLimitFilter(Clock clock, Config config, Map<String, Object> properties) {
        this.clock = clock;
        Config defaults = TypedConfig.defaults(Config.class);
        messageCounts = new SlidingWindows(clock, windowMillis(defaults), defaults.maxKeys());
        recipientCounts = new SlidingWindows(clock, windowMillis(defaults), defaults.maxKeys());
        configure(config, properties);
    }

    /**
     * Applies at once: the counts so far stay (unless the window length changed) and meet the new limits. A
     * configuration with a bad value is refused whole, in one line; the limits in force stay.
     */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::settings, next -> {
            messageCounts.configure(next.windowSeconds() * 1000, next.maxKeys());
            recipientCounts.configure(next.windowSeconds() * 1000, next.maxKeys());
        });
    }

    private Settings settings(Config config) {
        String tagHeader = configuration.tagHeader(config.tagHeader(), Settings::tagHeader);
        return new Settings(
                new Counted("messages", config.messagesPerClient(), config.messagesPerUser(), config.messagesPerSenderDomain()),
                new Counted("recipients", config.recipientsPerClient(), config.recipientsPerUser(), config.recipientsPerSenderDomain()),
                Math.max(0, config.relayPermittedFactor()), config.action(), config.disconnect(), tagHeader,
                windowMillis(config) / 1000, Math.max(100, config.maxKeys()), config.clusterFailure());
    }

    private static long windowMillis(Config config) {
        return TimeUnit.SECONDS.toMillis(Math.max(1, config.windowSeconds()));
    }

    /** Messages count at MAIL FROM, recipients at RCPT TO. */
    @Override
    public Set<FilterStage> stages() {
        return Set.of(FilterStage.MAIL, FilterStage.RCPT);
    }

    @Override
    public FilterResult mailFrom(SessionInfo session, Envelope envelope, TransactionState transaction) {
        Settings s = configuration.settings();
        return count(s, s.messages(), messageCounts, session, envelope);
    }

    @Override
    public FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState transaction) {
        Settings s = configuration.settings();
        return count(s, s.recipients(), recipientCounts, session, envelope);
    }

    private FilterResult count(Settings s, Counted counted, SlidingWindows counts, SessionInfo session, Envelope envelope) {
        List<Limit> limits = limits(s, counted, session, envelope);
        if (limits.isEmpty()) {
            return FilterResult.proceed();
        }
        Limit over;
        try {
            over = admit(s, counted, counts, limits);
        } catch (SharedStateException e) {
            return ClusterFailure.refusal("the rate limits");
        }
        if (over == null) {
            return FilterResult.proceed();
        }
        String text = "Rate limit exceeded: too many " + counted.noun() + " from " + over.key().replaceFirst(":", " ")
                + " (at most " + over.max() + " per " + s.windowSeconds() + " s); try again later";
        LOG.info("{}: ratelimit: {}; {}", session.sessionId(), text, s.action());
        return refusal(s, text, counted.noun() + " " + over.key());
    }

    /**
     * On the cluster's counters if there is a cluster, else (or failing, when open) this node's; throws when failing
     * closed.
     */
    private Limit admit(Settings s, Counted counted, SlidingWindows local, List<Limit> limits) {
        return cluster.decide(sharedState, s.clusterFailure(),
                shared -> new SharedWindows(shared, clock, counted.noun(), s.windowSeconds() * 1000).admit(limits), () -> local.admit(limits));
    }

    /** For tests: the shared state a cluster would give. */
    void sharedState(SharedState shared) {
        sharedState = shared;
    }

    /** The limits that apply to this session and transaction; a limit of 0 is off. */
    private static List<Limit> limits(Settings s, Counted counted, SessionInfo session, Envelope envelope) {
        List<Limit> limits = new ArrayList<>(3);
        // Relay-permitted sessions are our own users and hosts: higher limits (or none) per address and domain.
        long factor = session.relayPermitted() ? s.relayFactor() : 1;
        add(limits, "client:" + IpNetwork.text(session.clientAddress().getAddress()), counted.perClient() * factor);
        session.authenticated().ifPresent(user -> add(limits, "user:" + user.toLowerCase(Locale.ROOT), counted.perUser()));
        if (!envelope.reversePath().isNullSender()) {
            add(limits, "sender-domain:" + envelope.reversePath().domain(), counted.perSenderDomain() * factor);
        }
        return limits;
    }

    private static void add(List<Limit> limits, String key, long max) {
        if (max > 0) {
            limits.add(new Limit(key, max));
        }
    }

    private static FilterResult refusal(Settings s, String text, String what) {
        if (s.disconnect() && s.action() == PolicyAction.TEMPFAIL) {
            // RFC 5321 §3.8: 421 tells the client the service is closing the channel; it retries later.
            return FilterResult.tempfail(421, "4.7.0", text).andDisconnect();
        }
        FilterResult result = s.action().apply(new SmtpReply(550, "5.7.1", text),
                new HeaderField(s.tagHeader(), "ratelimit=exceeded " + what.replaceFirst(":", "=")));
        return s.disconnect() && s.action() == PolicyAction.REJECT ? result.andDisconnect() : result;
    }
}
