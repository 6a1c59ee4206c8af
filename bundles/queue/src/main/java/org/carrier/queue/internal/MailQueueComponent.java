package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.carrier.api.net.HostName;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.route.Router;
import org.carrier.api.transport.Transport;
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

/** The queue as an OSGi service: configuration, the router, and the transports by name. */
@Component(service = {MailQueue.class, QueueOperations.class, MetricSource.class}, configurationPid = MailQueueComponent.PID)
@Designate(ocd = MailQueueComponent.Config.class)
public class MailQueueComponent implements MailQueue, QueueOperations, MetricSource {
    static final String PID = "org.carrier.queue";
    private static final Logger LOG = LoggerFactory.getLogger(MailQueueComponent.class);

    @ObjectClassDefinition(name = "Carrier queue", description = "The durable mail queue and its retry schedule.")
    public @interface Config {
        @AttributeDefinition(name = "Spool directory", required = false,
                description = "Empty means the 'spool' folder in the data directory. Takes effect at the next start.")
        String spoolDirectory() default "";

        @AttributeDefinition(name = "Retry delays",
                description = "Delays before the 2nd, 3rd, ... attempt, one a field or comma separated (s, m, h, d); the last repeats.")
        String[] retryDelays() default {"5m", "10m", "20m", "40m", "60m"};

        @AttributeDefinition(name = "Maximum lifetime", description = "Give up on a recipient after this long (e.g. 5d).")
        String maxLifetime() default DEFAULT_MAX_LIFETIME;

        @AttributeDefinition(name = "Delay warning",
                description = "Send one delay DSN (RFC 3461 NOTIFY=DELAY) when a recipient still waits after this long (e.g. 4h).")
        String delayWarning() default DEFAULT_DELAY_WARNING;

        @AttributeDefinition(name = "Active limit",
                description = "At most this many messages are in memory for delivery at once; the rest wait on disk.")
        int activeLimit() default QueueSettings.DEFAULT_ACTIVE_LIMIT;

        @AttributeDefinition(name = "Minimum free space (MB)",
                description = "Below this much free space on the spool's file system, new mail gets 452 4.3.1.")
        long minFreeSpaceMb() default QueueSettings.DEFAULT_MIN_FREE_BYTES >> 20;

        @AttributeDefinition(name = "Reporting MTA", required = false,
                description = "Host name in delivery status notifications; empty means this host's name.")
        String reportingMta() default "";

        @AttributeDefinition(name = "Postmaster", required = false,
                description = "Where undeliverable DSNs are reported; empty means they are logged and dropped.")
        String postmaster() default "";

        @AttributeDefinition(name = "Maximum hops",
                description = "A queued message with this many Received fields or more loops: it is bounced (554 5.4.6), not sent on.")
        int maxHops() default QueueSettings.DEFAULT_MAX_HOPS;

        @AttributeDefinition(name = "Delivery threads", description = "Concurrent delivery attempts. Takes effect at the next start.")
        int deliveryThreads() default 16;
    }

    static final String DEFAULT_MAX_LIFETIME = "5d";
    static final String DEFAULT_DELAY_WARNING = "4h";

    private final Map<String, Transport> transports = new ConcurrentHashMap<>();

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Router router;

    private SpoolQueue queue;

    /** The settings, and the thread count that applies only at start-up. */
    record Configured(QueueSettings settings, int deliveryThreads) {
    }

    private final ConfigGuard<Config, Configured> configuration = new ConfigGuard<>(Config.class, "the queue", LOG::error);

    @Activate
    void activate(Config config, BundleContext context, Map<String, Object> properties) throws IOException {
        Configured configured = configuration.apply(config, properties, MailQueueComponent::configured);
        // The spool is where the file says even when another of its values is refused: the defaults' spool would be
        // another directory, and mail accepted there is stranded once the file is fixed.
        String data = context.getProperty("carrier.data.dir");
        Path root = config.spoolDirectory().isBlank() ? Paths.get(data == null ? "data" : data, "spool")
                : Paths.get(config.spoolDirectory().trim());
        queue = new SpoolQueue(root, configured.settings(), configured.deliveryThreads(), Clock.systemUTC(), () -> router, transports::get);
        queue.recover();
    }

    /** A configuration with a bad value is refused as a whole (one log line) and the settings in force stay. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        queue.updateSettings(configuration.apply(config, properties, MailQueueComponent::configured).settings());
    }

    @Deactivate
    void deactivate() {
        queue.close();
    }

    static Configured configured(Config config) {
        return new Configured(settings(config), ConfigProblem.atLeast("deliveryThreads", config.deliveryThreads(), 1));
    }

    private static QueueSettings settings(Config config) {
        String postmaster = config.postmaster() == null ? "" : config.postmaster().trim();
        MailAddress postmasterAddress = postmaster.isEmpty() ? null
                : ConfigProblem.check("postmaster", postmaster, () -> MailAddress.parse(postmaster));
        return new QueueSettings(Durations.parseList("retryDelays", config.retryDelays()),
                Durations.parse("maxLifetime", config.maxLifetime()), Durations.parse("delayWarning", config.delayWarning()),
                ConfigProblem.atLeast("activeLimit", config.activeLimit(), 1),
                ConfigProblem.atLeast("minFreeSpaceMb", config.minFreeSpaceMb(), 0) << 20, reportingMta(config.reportingMta()), postmasterAddress,
                ConfigProblem.atLeast("maxHops", config.maxHops(), 1));
    }

    /** RFC 3464 §2.2.2: the reporting MTA's name; this host's, unless configured. */
    private static String reportingMta(String configured) {
        return configured != null && !configured.isBlank() ? configured.trim() : HostName.local();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeTransport")
    void addTransport(Transport transport, Map<String, Object> properties) {
        Object name = properties.get(Transport.NAME);
        if (name == null) {
            LOG.warn("ignoring a transport service without the {} property", Transport.NAME);
            return;
        }
        transports.put(name.toString(), transport);
    }

    void removeTransport(Transport transport, Map<String, Object> properties) {
        Object name = properties.get(Transport.NAME);
        if (name != null) {
            transports.remove(name.toString(), transport);
        }
    }

    @Override
    public void collect(MetricWriter out) {
        queue.metrics().writeTo(out);
    }

    @Override
    public IncomingMessage receive() throws IOException {
        return queue.receive();
    }

    @Override
    public boolean receivesAtOnce() {
        return queue.receivesAtOnce();
    }

    @Override
    public List<QueuedMessage> list(QueueFilter filter) {
        return queue.list(filter);
    }

    @Override
    public Optional<QueuedMessage> show(String queueId) {
        return queue.show(queueId);
    }

    @Override
    public Optional<String> headerSection(String queueId, int maxBytes) {
        return queue.headerSection(queueId, maxBytes);
    }

    @Override
    public boolean hold(String queueId) {
        return queue.hold(queueId);
    }

    @Override
    public boolean release(String queueId) {
        return queue.release(queueId);
    }

    @Override
    public boolean delete(String queueId) {
        return queue.delete(queueId);
    }

    @Override
    public boolean retryNow(String queueId) {
        return queue.retryNow(queueId);
    }

    @Override
    public int retryDomain(String domain) {
        return queue.retryDomain(domain);
    }

    @Override
    public int retryAll() {
        return queue.retryAll();
    }

    @Override
    public int reroute(QueueFilter filter) {
        return queue.reroute(filter);
    }
}
