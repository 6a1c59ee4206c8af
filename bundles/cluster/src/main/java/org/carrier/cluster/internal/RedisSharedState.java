package org.carrier.cluster.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.cluster.SharedValue;
import org.carrier.api.config.ConfigGuard;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;

/**
 * The shared state on Redis (or Valkey): active only when {@code org.carrier.cluster} is configured, so a node without
 * that file has no {@link SharedState} service and every consumer keeps its single-node behaviour. Counters and
 * leases are small Lua scripts, so each is one atomic step on the server whichever node runs it.
 */
@Component(configurationPid = RedisSharedState.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = SharedState.class)
@Designate(ocd = RedisSharedState.Config.class)
public class RedisSharedState implements SharedState {
    static final String PID = "org.carrier.cluster";
    private static final Logger LOG = LoggerFactory.getLogger(RedisSharedState.class);

    /** INCRBY, and a time to live for a counter that has none (a new one): the window it counts in. */
    private static final String INCREMENT = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]) "
            + "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return n";
    /**
     * {@link #INCREMENT} for KEYS[1..ARGV[1]], then GET of the other keys (0 for a missing one): one script, so one
     * round trip and one atomic step however many counters a stage counts in.
     */
    private static final String INCREMENT_AND_READ = "local n = tonumber(ARGV[1]) local out = {} "
            + "for i = 1, n do out[i] = redis.call('INCRBY', KEYS[i], ARGV[2]) "
            + "if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end end "
            + "for i = n + 1, #KEYS do out[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end return out";
    private static final String GET_WITH_TTL = "local v = redis.call('GET', KEYS[1]) "
            + "if not v then return nil end return {v, redis.call('PTTL', KEYS[1])}";
    /** Taken if free, renewed if already this node's, refused if another node's. */
    private static final String ACQUIRE = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end "
            + "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0";
    /**
     * HINCRBY of each field given (ARGV: field, count, field, count, ..., most fields, time to live), unless KEYS[2]
     * exists (-1); a new field only while the hash has fewer than the most fields (the counts left out are the
     * answer); the hash's time to live is set when it has none (a new hash). One script, so a node that creates
     * KEYS[2] and then reads the hash knows that nothing is added after its read.
     */
    private static final String ADD_TO_FIELDS = "if #KEYS > 1 and redis.call('EXISTS', KEYS[2]) == 1 then return -1 end "
            + "local max = tonumber(ARGV[#ARGV - 1]) local n = redis.call('HLEN', KEYS[1]) local left = 0 "
            + "for i = 1, #ARGV - 2, 2 do "
            + "local known = redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 "
            + "if known or n < max then redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) if not known then n = n + 1 end "
            + "else left = left + tonumber(ARGV[i + 1]) end end "
            + "if n > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV]) end return left";
    private static final String PUT_FIELDS = "for i = 1, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
            + "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV]) end return 1";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    @ObjectClassDefinition(name = "Carrier cluster",
            description = "The Redis (or Valkey) that Carrier nodes share greylist and rate-limit state through.")
    public @interface Config {
        @AttributeDefinition(name = "Redis URI", required = false,
                description = "redis://HOST:PORT, or rediss://HOST:PORT for TLS (the server's certificate is verified); "
                        + "a /DB number may follow. Ignored when Sentinels are set.")
        String uri() default "";

        @AttributeDefinition(name = "Sentinels", required = false,
                description = "HOST:PORT of each Redis Sentinel, separated by commas; the master is found through them.")
        String[] sentinels() default {};

        @AttributeDefinition(name = "Sentinel master name", description = "The master's name the Sentinels know.")
        String sentinelMaster() default "mymaster";

        @AttributeDefinition(name = "User name", required = false, description = "For a Redis ACL user; empty: the default user.")
        String username() default "";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false, description = "Empty: none.")
        String password() default "";

        @AttributeDefinition(name = "Key prefix", description = "Put in front of every key and channel, so clusters can share one Redis.")
        String keyPrefix() default "carrier:";

        @AttributeDefinition(name = "Node name", required = false, description = "This node's name in the cluster; empty: the host name.")
        String nodeName() default "";

        @AttributeDefinition(name = "Command timeout (ms)", min = "1",
                description = "The most a session waits for one Redis call before its filter's clusterFailure setting applies.")
        int commandTimeoutMillis() default 500;

        @AttributeDefinition(name = "Connect timeout (ms)", min = "1")
        int connectTimeoutMillis() default 2000;
    }

    private final ConfigGuard<Config, ClusterSettings> guard = new ConfigGuard<>(Config.class, "the cluster connection", LOG::error);
    /**
     * Two I/O threads, not one per core: a few small commands per message. Reconnect attempts back off from 100 ms to
     * at most 2 s (Lettuce's default grows to 30 s), so a node uses a Redis that is back within 2 s.
     */
    private final ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS)).build();
    private volatile ClusterSettings settings;
    private volatile RedisConnection connection;

    @Activate
    public RedisSharedState(Config config, Map<String, Object> properties) {
        configure(config, properties);
    }

    /**
     * A new address, password or timeout replaces the connection (subscriptions move with it); a new prefix or node
     * name applies to the next call. A configuration with a bad value is refused in one line and the connection in
     * use stays.
     */
    @Modified
    synchronized void configure(Config config, Map<String, Object> properties) {
        ClusterSettings next = guard.apply(config, properties, ClusterSettings::of);
        if (next == null || next == settings) {
            return;
        }
        ClusterSettings previous = settings;
        settings = next;
        if (next.connectsElsewhere(previous)) {
            RedisConnection old = connection;
            RedisConnection fresh = new RedisConnection(resources, next);
            if (old != null) {
                old.listeners().forEach((channel, set) -> set.forEach(l -> fresh.subscribe(channel, l)));
            }
            connection = fresh;
            if (old != null) {
                old.close();
            }
        }
    }

    @Deactivate
    synchronized void stop() {
        if (connection != null) {
            connection.close();
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String nodeName() {
        ClusterSettings s = settings;
        return s == null ? "" : s.nodeName();
    }

    @Override
    public boolean isAvailable() {
        RedisConnection c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public long increment(String key, long by, Duration ttl) {
        Long value = call("INCRBY " + key, c -> c.eval(INCREMENT, ScriptOutputType.INTEGER, keys(key),
                String.valueOf(by), String.valueOf(Math.max(1, ttl.toMillis()))));
        return value;
    }

    @Override
    public List<Long> incrementAndRead(List<String> incremented, long by, Duration ttl, List<String> read) {
        List<String> all = new ArrayList<>(incremented);
        all.addAll(read);
        if (all.isEmpty()) {
            return List.of();
        }
        List<Object> reply = call("INCRBY+GET " + all, c -> c.eval(INCREMENT_AND_READ, ScriptOutputType.MULTI,
                keys(all.toArray(String[]::new)), String.valueOf(incremented.size()), String.valueOf(by),
                String.valueOf(Math.max(1, ttl.toMillis()))));
        List<Long> values = new ArrayList<>(reply.size());
        for (Object value : reply) {
            values.add((Long) value);
        }
        return values;
    }

    @Override
    public List<Long> counters(List<String> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<KeyValue<String, String>> values = call("MGET", c -> c.sync().mget(keys(keys.toArray(String[]::new))));
        List<Long> counts = new ArrayList<>(values.size());
        for (KeyValue<String, String> v : values) {
            counts.add(v.hasValue() ? Long.parseLong(v.getValue()) : 0L);
        }
        return counts;
    }

    @Override
    public Optional<SharedValue> get(String key) {
        List<Object> reply = call("GET " + key, c -> c.eval(GET_WITH_TTL, ScriptOutputType.MULTI, keys(key)));
        if (reply == null || reply.size() < 2 || reply.get(0) == null) { // a nil reply (no such key) is [null]
            return Optional.empty();
        }
        long ttl = (Long) reply.get(1);
        return Optional.of(new SharedValue((String) reply.get(0), ttl < 0 ? null : Duration.ofMillis(ttl)));
    }

    @Override
    public void put(String key, String value, Duration ttl) {
        call("SET " + key, c -> c.sync().set(prefixed(key), value, SetArgs.Builder.px(Math.max(1, ttl.toMillis()))));
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration ttl) {
        String reply = call("SET NX " + key, c -> c.sync().set(prefixed(key), value, SetArgs.Builder.nx().px(Math.max(1, ttl.toMillis()))));
        return "OK".equals(reply);
    }

    @Override
    public void delete(String key) {
        call("DEL " + key, c -> c.sync().del(prefixed(key)));
    }

    @Override
    public long addToFields(String key, Map<String, Long> increments, Duration ttl, String unlessKey, int maxFields) {
        List<String> args = new ArrayList<>(increments.size() * 2 + 2);
        increments.forEach((field, by) -> {
            args.add(field);
            args.add(String.valueOf(by));
        });
        args.add(String.valueOf(maxFields));
        args.add(String.valueOf(Math.max(1, ttl.toMillis())));
        String[] keys = unlessKey == null ? keys(key) : keys(key, unlessKey);
        return call("HINCRBY " + key, c -> c.<Long>eval(ADD_TO_FIELDS, ScriptOutputType.INTEGER, keys, args.toArray(String[]::new)));
    }

    @Override
    public void putFields(String key, Map<String, String> values, Duration ttl) {
        if (values.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(values.size() * 2 + 1);
        values.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        args.add(String.valueOf(Math.max(1, ttl.toMillis())));
        call("HSET " + key, c -> c.eval(PUT_FIELDS, ScriptOutputType.INTEGER, keys(key), args.toArray(String[]::new)));
    }

    @Override
    public Map<String, String> fields(String key) {
        return call("HGETALL " + key, c -> c.sync().hgetall(prefixed(key)));
    }

    @Override
    public void removeFields(String key, List<String> fields) {
        if (!fields.isEmpty()) {
            call("HDEL " + key, c -> c.sync().hdel(prefixed(key), fields.toArray(String[]::new)));
        }
    }

    @Override
    public boolean acquireLease(String name, Duration ttl) {
        Long held = call("lease " + name, c -> c.eval(ACQUIRE, ScriptOutputType.INTEGER, keys("lease:" + name), nodeName(),
                String.valueOf(Math.max(1, ttl.toMillis()))));
        return held == 1;
    }

    @Override
    public void releaseLease(String name) {
        call("lease release " + name, c -> c.eval(RELEASE, ScriptOutputType.INTEGER, keys("lease:" + name), nodeName()));
    }

    @Override
    public long publish(String channel, String message) {
        return call("PUBLISH " + channel, c -> c.sync().publish(prefixed(channel), message));
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> listener) {
        String prefixed = prefixed(channel);
        call("SUBSCRIBE " + channel, c -> {
            c.subscribe(prefixed, listener);
            return null;
        });
        return () -> {
            RedisConnection c = connection;
            if (c != null) {
                c.unsubscribe(prefixed, listener);
            }
        };
    }

    private interface Call<T> {
        T on(RedisConnection connection);
    }

    /** Runs one call; whatever goes wrong (no connection, timeout, refusal) is a {@link SharedStateException}. */
    private <T> T call(String what, Call<T> call) {
        RedisConnection c = connection;
        if (c == null) {
            throw new SharedStateException("the cluster connection has no valid configuration (see the log)", null);
        }
        try {
            return call.on(c);
        } catch (RedisException | ClassCastException | NumberFormatException e) {
            throw new SharedStateException(what + ": " + e.getMessage(), e);
        }
    }

    private String prefixed(String key) {
        return settings.keyPrefix() + key;
    }

    private String[] keys(String... keys) {
        String[] prefixed = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            prefixed[i] = prefixed(keys[i]);
        }
        return prefixed;
    }

}
