package org.carrier.cluster.internal;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigLists;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration shared across the cluster (see {@link ConfigSync}): active only while the cluster's
 * {@link SharedState} is there, so a node without config/org.carrier.cluster.cfg never publishes anything. Everything
 * runs on one thread of its own: ConfigAdmin's events and the channel's messages are queued to it, since neither
 * caller may block; every second it checks the connection, and after an outage (and every minute) it catches up.
 */
@Component(configurationPid = ConfigSyncComponent.PID, immediate = true, service = ConfigurationListener.class)
@Designate(ocd = ConfigSyncComponent.Config.class)
public class ConfigSyncComponent implements ConfigurationListener {
    static final String PID = "org.carrier.cluster.sync";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigSyncComponent.class);
    private static final int RESYNC_TICKS = 60;

    @ObjectClassDefinition(name = "Carrier cluster: shared configuration",
            description = "Which configurations every node of the cluster shares: a change on one node applies on all.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "false: this node neither publishes nor applies configuration changes.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Shared PIDs", description = "PIDs (and the PIDs below them) shared by every node; "
                + "an entry ending in '.' is a prefix.")
        String[] pids() default {"org.carrier."};

        @AttributeDefinition(name = "Node-local PIDs", description = "PIDs each node keeps for itself, even if listed above: "
                + "the cluster connection, listener addresses, ports and TLS keys, the console login and shell, the spool "
                + "and the mailboxes.")
        String[] localPids() default {"org.carrier.cluster", "org.carrier.smtp.listener", "org.carrier.admin",
                "org.carrier.queue", "org.carrier.delivery.local"};
    }

    private record Settings(boolean enabled, SyncedPids pids) {
    }

    private final ConfigGuard<Config, Settings> guard = new ConfigGuard<>(Config.class, "the configuration sync", LOG::error);
    private final SharedState shared;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "carrier-cluster-config");
        t.setDaemon(true);
        return t;
    });
    private final ConfigSync sync;
    private volatile boolean enabled;
    private SharedState.Subscription subscription;
    private boolean started;
    private boolean away;
    private int ticks;

    @Activate
    public ConfigSyncComponent(@Reference SharedState shared, @Reference ConfigurationAdmin configAdmin, Config config,
                               Map<String, Object> properties) {
        this.shared = shared;
        Settings settings = guard.apply(config, properties, ConfigSyncComponent::settings);
        this.enabled = settings.enabled();
        this.sync = new ConfigSync(shared, new ConfigAdminConfigs(configAdmin), settings.pids(), Clock.systemUTC(), LOG::info, LOG::warn);
        thread.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
    }

    private static Settings settings(Config config) {
        return new Settings(config.enabled(), new SyncedPids(ConfigLists.names("pids", config.pids()),
                ConfigLists.names("localPids", config.localPids())));
    }

    /** A bad list is refused in one line naming file, key and value; the lists in force stay. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        Settings settings = guard.apply(config, properties, ConfigSyncComponent::settings);
        run(() -> {
            sync.setPids(settings.pids());
            boolean was = enabled;
            enabled = settings.enabled();
            if (!was && enabled) {
                started = false; // catch up again, as at start
            }
        });
    }

    @Deactivate
    void stop() {
        thread.shutdownNow();
        if (subscription != null) {
            subscription.close();
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_UPDATED || event.getType() == ConfigurationEvent.CM_DELETED) {
            String pid = event.getPid();
            run(() -> {
                if (enabled && started) {
                    sync.changedHere(pid);
                }
            });
        }
    }

    /** Subscribes, catches up at start and after an outage, publishes what waits. */
    private void tick() {
        if (!enabled) {
            return;
        }
        try {
            if (subscription == null) {
                subscription = shared.subscribe(ConfigSync.CHANNEL, message -> run(() -> {
                    if (enabled && started) {
                        sync.received(message);
                    }
                }));
            }
            if (!shared.isAvailable()) {
                away = true;
                return;
            }
            if (!started) {
                sync.start();
                started = true;
                LOG.info("configuration sync: caught up with the cluster as node {}", shared.nodeName());
            } else if (away || ++ticks >= RESYNC_TICKS) {
                sync.resync();
                ticks = 0;
            } else if (sync.pendingCount() > 0) {
                sync.flush();
            }
            away = false;
        } catch (SharedStateException e) {
            away = true; // not connected yet: the next tick tries again (the consumers' lines say the state is away)
        } catch (RuntimeException e) {
            LOG.warn("configuration sync: {}", e.toString());
        }
    }

    private void run(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("configuration sync: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: the change stays here and the next start catches up
        }
    }

    /** For tests: waits until what was queued so far has run. */
    void settle() throws InterruptedException {
        try {
            thread.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
