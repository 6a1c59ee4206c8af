package org.carrier.api.cluster;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one way a consumer decides on the shared state: on the cluster's when there is a cluster, on this node's own
 * when there is none, and, while the cluster's fails, as the consumer's {@link ClusterFailure} setting says (logged
 * through a {@link FailureLog}: one line at once, then at most one a minute, and one on recovery). Thread-safe.
 */
public final class ClusterFallback {
    private final FailureLog log;
    private final String openMeaning;

    /**
     * @param consumer    what the log lines name, e.g. "greylist"
     * @param openMeaning what failing open does, for the log line, e.g. "deciding from this node's memory"
     * @param warn        where the lines go (e.g. {@code LOG::warn})
     */
    public ClusterFallback(String consumer, String openMeaning, Consumer<String> warn) {
        this.log = new FailureLog(consumer, warn);
        this.openMeaning = openMeaning;
    }

    /**
     * {@code clustered}'s answer on {@code shared}; {@code local}'s when {@code shared} is {@code null} (no cluster)
     * or fails and {@code failure} is {@link ClusterFailure#OPEN}.
     *
     * @throws SharedStateException when it fails and {@code failure} is {@link ClusterFailure#CLOSED}: answer
     *                              {@link ClusterFailure#refusal}
     */
    public <T> T decide(SharedState shared, ClusterFailure failure, Function<SharedState, T> clustered, Supplier<T> local) {
        if (shared != null) {
            try {
                T answer = clustered.apply(shared);
                log.worked();
                return answer;
            } catch (SharedStateException e) {
                boolean open = failure == ClusterFailure.OPEN;
                log.failed(e, open ? openMeaning : "answering 451 4.3.0");
                if (!open) {
                    throw e;
                }
            }
        }
        return local.get();
    }
}
