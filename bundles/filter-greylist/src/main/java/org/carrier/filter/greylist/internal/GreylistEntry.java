package org.carrier.filter.greylist.internal;

/**
 * What the greylist remembers about one key, times in seconds since the epoch.
 *
 * @param firstSeen when the key was first seen
 * @param lastSeen  when it was last seen
 * @param passes    for a triplet: 0 while it waits for its retry, then the number of times it passed; for a client
 *                  network: how many of its triplets passed after a retry
 */
record GreylistEntry(long firstSeen, long lastSeen, int passes) {

    GreylistEntry seenAt(long now) {
        return new GreylistEntry(firstSeen, now, passes);
    }

    GreylistEntry passedAt(long now) {
        return new GreylistEntry(firstSeen, now, passes + 1);
    }
}
