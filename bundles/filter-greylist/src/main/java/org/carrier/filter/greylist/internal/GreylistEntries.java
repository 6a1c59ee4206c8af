package org.carrier.filter.greylist.internal;

import java.util.function.Supplier;

/**
 * Where the greylist's entries live: this node's memory ({@link MemoryEntries}, saved to disk) or the cluster's
 * shared state ({@link SharedEntries}, so a retry at another node is known). The rules that read and write them are
 * {@link Greylist}'s, the same for both.
 */
interface GreylistEntries {

    /** The entry of {@code key}, or {@code null}. */
    GreylistEntry get(GreylistKey key);

    /** Stores the entry; a store that expires entries by itself may forget it after {@code ttlSeconds}. */
    void put(GreylistKey key, GreylistEntry entry, long ttlSeconds);

    void remove(GreylistKey key);

    /** Runs one decision (its reads and writes) as one step where the store can make it so. */
    default <T> T decide(Supplier<T> decision) {
        return decision.get();
    }
}
