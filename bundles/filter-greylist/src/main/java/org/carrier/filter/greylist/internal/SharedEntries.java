package org.carrier.filter.greylist.internal;

import java.time.Duration;
import java.util.Optional;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.cluster.SharedValue;

/**
 * The greylist in the cluster's shared state: one key per triplet ({@code greylist:t:NETWORK TAB SENDER TAB RECIPIENT})
 * and per counted client network ({@code greylist:n:NETWORK}), the value {@code FIRST LAST PASSES}, each expiring
 * when the greylist's rules would forget it, so the store needs no sweeping. Two nodes deciding on one triplet at the
 * same moment may both count a pass; for greylisting that is harmless. A failing call throws
 * {@link org.carrier.api.cluster.SharedStateException}.
 */
final class SharedEntries implements GreylistEntries {
    private final SharedState shared;

    SharedEntries(SharedState shared) {
        this.shared = shared;
    }

    static String key(GreylistKey key) {
        return key.isNetwork() ? "greylist:n:" + key.network()
                : "greylist:t:" + key.network() + '\t' + key.sender() + '\t' + key.recipient();
    }

    @Override
    public GreylistEntry get(GreylistKey key) {
        Optional<SharedValue> value = shared.get(key(key));
        if (value.isEmpty()) {
            return null;
        }
        String[] f = value.get().value().split(" ");
        if (f.length != 3) {
            return null; // not a value this version wrote: as unknown, and the next put replaces it
        }
        try {
            return new GreylistEntry(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void put(GreylistKey key, GreylistEntry entry, long ttlSeconds) {
        shared.put(key(key), entry.firstSeen() + " " + entry.lastSeen() + " " + entry.passes(), Duration.ofSeconds(Math.max(1, ttlSeconds)));
    }

    @Override
    public void remove(GreylistKey key) {
        shared.delete(key(key));
    }
}
