package org.carrier.admin.internal.rest;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.carrier.api.cluster.FailureLog;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedStateException;
import org.carrier.api.cluster.SharedValue;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of the cluster, for the REST API's status: each node announces itself every {@link #HEARTBEAT} in the
 * shared state, as {@code node:NAME} (expiring after {@link #ALIVE}) and by its name in the list {@code nodes}; the
 * peers are the other names listed whose key has not expired. The shared state has no key listing, so the list is
 * kept by read, add, write: two nodes writing it at the same moment may drop a name, which its node writes again
 * at its next announcement. Without a cluster (no {@link SharedState} service) there are no peers.
 */
@Component(service = ClusterPeers.class)
public class ClusterPeers {
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** Three announcements missed: the node is gone (stopped, or cut off from the shared state). */
    static final Duration ALIVE = HEARTBEAT.multipliedBy(3);
    /** The list outlives its nodes by a day, so that a cluster that stopped altogether leaves no key for ever. */
    private static final Duration LIST_TTL = Duration.ofDays(1);
    private static final String LIST = "nodes";
    private static final String NODE = "node:";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPeers.class);

    private final Clock clock;
    private final FailureLog failures = new FailureLog("the REST API's cluster status", LOG::warn);
    private ScheduledExecutorService timer;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SharedState shared;

    public ClusterPeers() {
        this(Clock.systemUTC());
    }

    ClusterPeers(Clock clock) {
        this.clock = clock;
    }

    @Activate
    void activate() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "carrier-cluster-peers");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> announce(shared), 0, HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    /** The status's {@code cluster} member: this node's name, whether the shared state answers, and the peers. */
    Map<String, Object> status() {
        return status(shared);
    }

    static Map<String, Object> status(SharedState state) {
        Map<String, Object> answer = new LinkedHashMap<>();
        if (state == null) {
            answer.put("peers", List.of());
            return answer;
        }
        answer.put("node", state.nodeName());
        try {
            answer.put("peers", peers(state));
            answer.put("available", true);
        } catch (SharedStateException e) {
            answer.put("peers", List.of());
            answer.put("available", false);
            answer.put("error", e.getMessage());
        }
        return answer;
    }

    /** Writes this node's key and puts its name in the list (dropping the names whose key has expired). */
    void announce(SharedState state) {
        if (state == null) {
            return;
        }
        try {
            String self = state.nodeName();
            state.put(NODE + self, clock.instant().toString(), ALIVE);
            Set<String> listed = listed(state);
            Set<String> kept = new LinkedHashSet<>();
            for (String name : listed) {
                if (name.equals(self) || state.get(NODE + name).isPresent()) {
                    kept.add(name);
                }
            }
            kept.add(self);
            if (!kept.equals(listed) || listExpiresSoon(state)) {
                state.put(LIST, String.join(" ", kept), LIST_TTL);
            }
            failures.worked();
        } catch (SharedStateException e) {
            failures.failed(e, "this node's peers are not known until it answers");
        } catch (RuntimeException e) {
            LOG.warn("REST API: announcing this node in the cluster failed: {}", e.toString());
        }
    }

    /** The other nodes alive, each with when it last announced itself. */
    static List<Map<String, Object>> peers(SharedState state) {
        List<Map<String, Object>> peers = new ArrayList<>();
        for (String name : listed(state)) {
            if (name.equals(state.nodeName())) {
                continue;
            }
            Optional<SharedValue> seen = state.get(NODE + name);
            seen.ifPresent(v -> {
                Map<String, Object> peer = new LinkedHashMap<>();
                peer.put("name", name);
                peer.put("seen", v.value());
                peers.add(peer);
            });
        }
        return peers;
    }

    private static Set<String> listed(SharedState state) {
        Set<String> names = new LinkedHashSet<>();
        state.get(LIST).ifPresent(v -> names.addAll(Arrays.asList(v.value().trim().split("\\s+"))));
        names.remove("");
        return names;
    }

    /** The list is written again before it expires, also when it has not changed. */
    private static boolean listExpiresSoon(SharedState state) {
        Duration left = state.get(LIST).map(SharedValue::ttl).orElse(Duration.ZERO);
        return left != null && left.compareTo(LIST_TTL.dividedBy(2)) < 0;
    }
}
