package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;
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
@Component(service = MailQueue.class, configurationPid = MailQueueComponent.PID)
@Designate(ocd = MailQueueComponent.Config.class)
public class MailQueueComponent implements MailQueue {
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

        @AttributeDefinition(name = "Delivery threads", description = "Concurrent delivery attempts. Takes effect at the next start.")
        int deliveryThreads() default 8;
    }

    static final String DEFAULT_RETRY_DELAYS = "5m, 10m, 20m, 40m, 60m";
    static final String DEFAULT_MAX_LIFETIME = "5d";

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
            settings = settings(DEFAULT_RETRY_DELAYS, DEFAULT_MAX_LIFETIME);
        }
        queue = new SpoolQueue(root, settings, config.deliveryThreads(), Clock.systemUTC(), () -> router, transports::get);
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
        return settings(config.retryDelays(), config.maxLifetime());
    }

    private static QueueSettings settings(String retryDelays, String maxLifetime) {
        return new QueueSettings(Durations.parseList("retryDelays", retryDelays), Durations.parse("maxLifetime", maxLifetime));
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
    public IncomingMessage receive() throws IOException {
        return queue.receive();
    }

    @Override
    public List<QueuedMessage> list() {
        return queue.list();
    }

    @Override
    public Optional<QueuedMessage> find(String queueId) {
        return queue.find(queueId);
    }
}
