package org.carrier.api.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Keys and values shared by every node of the cluster. Keys are the consumer's own names ({@code greylist:...},
 * {@code ratelimit:...}); the service puts the cluster's key prefix in front. Values are text. Every method
 * returns within the service's command timeout or throws {@link SharedStateException}, so a caller on an SMTP
 * session never waits longer than that.
 */
public interface SharedState {

    /** This node's name in the cluster (the holder of the leases it takes). */
    String nodeName();

    /** The health signal: {@code true} while the engine is connected and answered the last call. */
    boolean isAvailable();

    /**
     * Adds {@code by} to the counter {@code key} and returns its new value; a counter that did not exist starts at 0
     * and expires {@code ttl} after this first increment (a windowed counter: INCRBY, then PEXPIRE once).
     */
    long increment(String key, long by, Duration ttl);

    /** The counters' values in the order of {@code keys}, 0 for one that does not exist. */
    List<Long> counters(List<String> keys);

    /**
     * {@link #increment} of every counter of {@code incremented} by {@code by} and {@link #counters} of {@code read},
     * in one atomic step and one round trip: a consumer that counts an event in several counters and decides on
     * others (a rate limit's current and previous windows) pays one call, not one per counter.
     *
     * @return the new values of {@code incremented}, then the values of {@code read} (0 for one that does not exist)
     * @since 1.3
     */
    List<Long> incrementAndRead(List<String> incremented, long by, Duration ttl, List<String> read);

    /** The value and its remaining time to live, if the key exists. */
    Optional<SharedValue> get(String key);

    /** Sets the value, replacing any, to expire after {@code ttl}. */
    void put(String key, String value, Duration ttl);

    /** Sets the value only if the key does not exist (SET NX PX); {@code true} if it was set. */
    boolean putIfAbsent(String key, String value, Duration ttl);

    /**
     * Adds each count of {@code increments} to its field of the hash {@code key} (HINCRBY; a field that did not exist
     * starts at 0) in one atomic step, unless the key {@code unlessKey} exists: then nothing is added. A field not in
     * the hash yet is added only while the hash has fewer than {@code maxFields} fields, so that no one can grow it
     * without bound; the counts of the others are left out. A hash that did not exist expires {@code ttl} after this
     * first addition. {@code unlessKey} lets the node that closes a tally (by creating that key) read it knowing
     * nothing is added after its read.
     *
     * @param unlessKey a key that stops the addition, or {@code null} to add always
     * @return -1 if {@code unlessKey} exists (nothing added); else the sum of the counts left out because the hash
     *         had {@code maxFields} fields (0: all added)
     * @since 1.2
     */
    long addToFields(String key, Map<String, Long> increments, Duration ttl, String unlessKey, int maxFields);

    /**
     * Sets fields of the hash {@code key} (HSET), replacing their values; a hash that did not exist expires
     * {@code ttl} after this first write.
     *
     * @since 1.2
     */
    void putFields(String key, Map<String, String> values, Duration ttl);

    /** Every field of the hash {@code key} with its value (HGETALL); empty if the key does not exist. @since 1.2 */
    Map<String, String> fields(String key);

    /** Removes fields of the hash {@code key} (HDEL); nothing happens for those that do not exist. @since 1.2 */
    void removeFields(String key, List<String> fields);

    /** Removes the key; nothing happens if it does not exist. */
    void delete(String key);

    /**
     * Takes or renews the lease {@code name} for this node for {@code ttl}: {@code true} if this node holds it now
     * (it was free, or already this node's), {@code false} if another node holds it.
     */
    boolean acquireLease(String name, Duration ttl);

    /** Gives the lease up if this node holds it. */
    void releaseLease(String name);

    /** Sends {@code message} to every node subscribed to {@code channel}; returns how many received it. */
    long publish(String channel, String message);

    /**
     * Calls {@code listener} with every message published on {@code channel} from now on, on a thread of the
     * service's (it must not block); subscriptions survive reconnects. Close the subscription to stop.
     */
    Subscription subscribe(String channel, Consumer<String> listener);

    /** A subscription to a channel. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
