package org.carrier.api.cluster;

import org.carrier.api.filter.FilterResult;

/**
 * What a consumer of the shared state does while it cannot be reached (a consumer's {@code clusterFailure} setting).
 */
public enum ClusterFailure {
    /** Decide from this node's own memory, as a single node would; mail flows, the limits count per node meanwhile. */
    OPEN,
    /**
     * Refuse for now: {@code 451 4.3.0} (RFC 3463 §3.4: a mail system status, the shared store being part of the
     * system), so the client retries later and nothing is decided on partial state.
     */
    CLOSED;

    /** The temporary refusal of {@link #CLOSED}, naming what could not be checked. */
    public static FilterResult refusal(String what) {
        return FilterResult.tempfail(451, "4.3.0", "Cannot check " + what + " now (cluster state unavailable); try again later");
    }
}
