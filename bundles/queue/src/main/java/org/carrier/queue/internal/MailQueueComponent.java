package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.carrier.api.message.MailAddress;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
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
                description = "Delays before the 2nd, 3rd, ... attempt, comma separated (s, m, h, d); the last repeats.")
        String retryDelays() default DEFAULT_RETRY_DELAYS;

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

    static final String DEFAULT_RETRY_DELAYS = "5m, 10m, 20m, 40m, 60m";
    static final String DEFAULT_MAX_LIFETIME = "5d";
    static final String DEFAULT_DELAY_WARNING = "4h";

    private final Map<String, Transport> transports = new ConcurrentHashMap<>();

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Router router;

    private SpoolQueue queue;

    @Activate
    void activate(Config config, BundleContext context, Map<String, Object> properties) throws IOException {
        String data = context.getProperty("carrier.data.dir");
        Path root = config.spoolDirectory().isBlank() ? Paths.get(data == null ? "data" : data, "spool")
                : Paths.get(config.spoolDirectory().trim());
        QueueSettings settings = settingsOr(null, config, properties);
        if (settings == null) {
            settings = new QueueSettings(Durations.parseList("retryDelays", DEFAULT_RETRY_DELAYS),
                    Durations.parse("maxLifetime", DEFAULT_MAX_LIFETIME), QueueSettings.DEFAULT_DELAY_WARNING,
                    QueueSettings.DEFAULT_ACTIVE_LIMIT, QueueSettings.DEFAULT_MIN_FREE_BYTES, reportingMta(""), null,
                    QueueSettings.DEFAULT_MAX_HOPS);
        }
        int threads = config.deliveryThreads();
        if (threads < 1) {
            LOG.error("configuration {}: deliveryThreads: must be at least 1, not {}; using 1", PID, threads);
            threads = 1;
        }
        queue = new SpoolQueue(root, settings, threads, Clock.systemUTC(), () -> router, transports::get);
        queue.recover();
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        QueueSettings settings = settingsOr(queue.settings(), config, properties);
        queue.updateSettings(settings);
    }

    @Deactivate
    void deactivate() {
        queue.close();
    }

    /** The settings of {@code config}, or {@code fallback} with an error naming the bad key when they are invalid. */
    private static QueueSettings settingsOr(QueueSettings fallback, Config config, Map<String, Object> properties) {
        try {
            return settings(config);
        } catch (IllegalArgumentException e) {
            Object file = properties.get("felix.fileinstall.filename");
            LOG.error("configuration {}{}: {}; keeping {}", PID, file == null ? "" : " (" + file + ")", e.getMessage(),
                    fallback == null ? "the defaults" : "the last good settings");
            return fallback;
        }
    }

    private static QueueSettings settings(Config config) {
        String postmaster = config.postmaster() == null ? "" : config.postmaster().trim();
        MailAddress postmasterAddress;
        try {
            postmasterAddress = postmaster.isEmpty() ? null : MailAddress.parse(postmaster);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("postmaster: " + e.getMessage(), e);
        }
        if (config.minFreeSpaceMb() < 0) {
            throw new IllegalArgumentException("minFreeSpaceMb: must not be negative: " + config.minFreeSpaceMb());
        }
        return new QueueSettings(Durations.parseList("retryDelays", config.retryDelays()),
                Durations.parse("maxLifetime", config.maxLifetime()), Durations.parse("delayWarning", config.delayWarning()),
                config.activeLimit(), config.minFreeSpaceMb() << 20, reportingMta(config.reportingMta()), postmasterAddress,
                config.maxHops());
    }

    /**
     * RFC 3464 §2.2.2: the reporting MTA's name; this host's, unless configured. Read from the kernel, not
     * resolved: a DNS lookup at start-up could hang or reach beyond the machine.
     */
    private static String reportingMta(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        try {
            String name = Files.readString(Paths.get("/proc/sys/kernel/hostname")).trim();
            return name.isEmpty() ? "localhost" : name;
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
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
    public List<QueuedMessage> list() {
        return queue.list();
    }

    @Override
    public Optional<QueuedMessage> find(String queueId) {
        return queue.find(queueId);
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
