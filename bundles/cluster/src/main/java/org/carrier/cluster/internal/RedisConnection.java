package org.carrier.cluster.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;

/**
 * One Redis client for one set of connection settings: a command connection and a pub/sub connection. Connecting
 * happens in the background (every second until the first success), so a Redis that is down when Carrier starts
 * delays nothing; after that Lettuce reconnects by itself. While disconnected, commands are refused at once rather
 * than queued (a session must not wait for a Redis that is away), and every command is bounded by the command
 * timeout.
 */
final class RedisConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);

    private final ClusterSettings settings;
    private final RedisClient client;
    private final ScheduledExecutorService connector;
    private final Map<String, Set<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubSub;
    private volatile boolean closed;
    private boolean warned;

    RedisConnection(ClientResources resources, ClusterSettings settings) {
        this.settings = settings;
        this.client = RedisClient.create(resources, settings.uri());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(settings.connectTimeout()).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
        connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "carrier-cluster-connect");
            t.setDaemon(true);
            return t;
        });
        connector.execute(this::connect);
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            if (commands == null) {
                commands = client.connect();
            }
            if (pubSub == null) {
                StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub();
                subscriber.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        deliver(channel, message);
                    }
                });
                pubSub = subscriber;
                if (!listeners.isEmpty()) {
                    subscriber.sync().subscribe(listeners.keySet().toArray(String[]::new));
                }
            }
            LOG.info("cluster: connected to {} as node {}", settings.where(), settings.nodeName());
        } catch (RedisException | IllegalStateException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cluster: cannot connect to {} ({}); trying again every second", settings.where(), e.getMessage());
            }
            if (!closed) {
                connector.schedule(this::connect, 1, TimeUnit.SECONDS);
            }
        }
    }

    /** The command API; throws when there is no connection yet. */
    RedisCommands<String, String> sync() {
        StatefulRedisConnection<String, String> c = commands;
        if (c == null) {
            throw new RedisException("not connected to " + settings.where() + " yet");
        }
        return c.sync();
    }

    boolean isOpen() {
        StatefulRedisConnection<String, String> c = commands;
        return c != null && c.isOpen();
    }

    <T> T eval(String script, ScriptOutputType type, String[] keys, String... values) {
        return sync().eval(script, type, keys, values);
    }

    void subscribe(String channel, Consumer<String> listener) {
        Set<Consumer<String>> set = listeners.computeIfAbsent(channel, c -> new CopyOnWriteArraySet<>());
        boolean first = set.isEmpty();
        set.add(listener);
        StatefulRedisPubSubConnection<String, String> subscriber = pubSub;
        if (first && subscriber != null) {
            subscriber.sync().subscribe(channel);
        }
    }

    void unsubscribe(String channel, Consumer<String> listener) {
        Set<Consumer<String>> set = listeners.get(channel);
        if (set != null && set.remove(listener) && set.isEmpty()) {
            listeners.remove(channel);
            StatefulRedisPubSubConnection<String, String> subscriber = pubSub;
            if (subscriber != null && subscriber.isOpen()) {
                subscriber.async().unsubscribe(channel);
            }
        }
    }

    /** The subscriptions to carry over to a replacing connection. */
    Map<String, Set<Consumer<String>>> listeners() {
        return listeners;
    }

    private void deliver(String channel, String message) {
        for (Consumer<String> listener : listeners.getOrDefault(channel, Set.of())) {
            try {
                listener.accept(message);
            } catch (RuntimeException e) {
                LOG.error("cluster: a listener of channel {} failed", channel, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        for (AutoCloseable c : List.<AutoCloseable>of(() -> close(commands), () -> close(pubSub))) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("cluster: closing", e);
            }
        }
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static void close(io.lettuce.core.api.StatefulConnection<?, ?> connection) {
        if (connection != null) {
            connection.close();
        }
    }
}
