package org.carrier.queue.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.carrier.queue.internal.QueueMetrics.MessageState;

/**
 * The claim protocol, and the only place that knows it: who may change a queued message, and when.
 * <p>
 * A message is changed only by whoever holds its claim: the delivery attempt that loaded it, or an operation that
 * loaded it while no attempt was running. An operation on a message whose attempt is running changes that attempt's
 * entry under the entry's lock instead (the attempt writes its outcome on top of it), so both see one state. An
 * attempt leaves the active set under the same lock ({@link #end}): an operation that waited for that lock finds the
 * entry no longer active and claims the message afresh rather than write a stale entry over the next attempt's.
 * <p>
 * The counts of messages by state move here too, because whether a change is counted by the operation or by the
 * attempt's end depends on which of the two came first under the lock.
 */
final class Claims {
    /** How often an operation tries a message that is claimed but not active (the scheduler is just loading it). */
    private static final int BUSY_TRIES = 1_000;

    /** Where the counts of messages by state move ({@link QueueMetrics#moved}). */
    interface StateCounter {
        void moved(MessageState from, MessageState to);
    }

    /** Reads a message from the spool while its claim is held; empty if it is gone. */
    interface Loader {
        Optional<QueueEntry> load(String id) throws IOException;
    }

    /** An operator's change to one entry, made under its lock; it writes the entry too. */
    interface Change {
        void apply(QueueEntry entry) throws IOException;
    }

    /** A write of an entry's state that must not interleave with an operator's change to it. */
    interface Write {
        void run() throws IOException;
    }

    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final Map<String, QueueEntry> active = new ConcurrentHashMap<>();
    private final StateCounter counter;

    Claims(StateCounter counter) {
        this.counter = counter;
    }

    /** Takes the claim on a message for a delivery attempt; false if an attempt or an operation has it. */
    boolean claim(String id) {
        return claimed.add(id);
    }

    /** Gives up a claim taken by {@link #claim} for an attempt that does not start (the message was stale). */
    void unclaim(String id) {
        claimed.remove(id);
    }

    /** The claimed entry's attempt starts: it is active, and counted so. */
    void begin(QueueEntry entry) {
        counter.moved(MessageState.of(entry), MessageState.ACTIVE);
        active.put(entry.id(), entry);
    }

    /**
     * The attempt is over: the entry leaves the active set under its lock, so an operator's change comes either
     * before (and is counted here) or after (and is counted by the operation, on an entry it claims afresh); then
     * the claim is given up.
     */
    void end(QueueEntry entry) {
        synchronized (entry) {
            counter.moved(MessageState.ACTIVE, MessageState.of(entry));
            active.remove(entry.id());
        }
        claimed.remove(entry.id());
    }

    /** An attempt's write of its outcome, under the entry's lock: an operator's change to the same entry waits. */
    void locked(QueueEntry entry, Write write) throws IOException {
        synchronized (entry) {
            write.run();
        }
    }

    int activeCount() {
        return active.size();
    }

    /** The entry of the attempt running on a message, if one is, for reading. */
    Optional<QueueEntry> active(String id) {
        return Optional.ofNullable(active.get(id));
    }

    /**
     * Applies an operator's change to the one entry of a message that counts: the running attempt's entry if an
     * attempt holds the message, else the entry {@code load} reads under a claim the operation takes for the moment.
     * A message that is claimed but not active is being loaded by the scheduler: the operation waits for it.
     *
     * @param idle gets an entry changed under the operation's own claim once that claim is given up (to schedule it)
     * @return false if the message is gone or deleted
     * @throws IllegalStateException if the message stays busy, or the change cannot be written
     */
    boolean change(String id, Loader load, Change change, Consumer<QueueEntry> idle) {
        for (int tries = 0; tries < BUSY_TRIES; tries++) {
            if (claimed.add(id)) {
                return changeUnclaimed(id, load, change, idle);
            }
            QueueEntry busy = active.get(id);
            if (busy != null) {
                Optional<Boolean> changed = changeWhileActive(busy, change);
                if (changed.isPresent()) {
                    return changed.get();
                }
                continue; // its attempt ended meanwhile: claim the message afresh
            }
            pause(); // the scheduler is just loading it
        }
        throw new IllegalStateException(id + ": busy, try again");
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Changes the entry of a running attempt, if it still is one once its lock is held: an attempt that ended in
     * between may already have been followed by another, with an entry of its own read from disk, and writing the
     * old entry then would race that attempt's write and could lose the change.
     *
     * @return empty if the attempt ended before the lock was taken
     */
    private Optional<Boolean> changeWhileActive(QueueEntry busy, Change change) {
        synchronized (busy) {
            if (active.get(busy.id()) != busy) {
                return Optional.empty();
            }
            return Optional.of(changeEntry(busy, change));
        }
    }

    private boolean changeUnclaimed(String id, Loader load, Change change, Consumer<QueueEntry> idle) {
        QueueEntry entry = null;
        try {
            entry = load.load(id).orElse(null);
            return entry != null && changeEntry(entry, change);
        } catch (IOException e) {
            throw new IllegalStateException(id + ": " + e.getMessage(), e);
        } finally {
            claimed.remove(id);
            if (entry != null) {
                idle.accept(entry);
            }
        }
    }

    private boolean changeEntry(QueueEntry entry, Change change) {
        synchronized (entry) {
            if (entry.deleted()) {
                return false;
            }
            MessageState before = MessageState.of(entry);
            try {
                change.apply(entry);
            } catch (IOException e) {
                throw new IllegalStateException(entry.id() + ": cannot write the change: " + e.getMessage(), e);
            }
            if (active.get(entry.id()) != entry) { // a running attempt counts its entry's state when it ends
                counter.moved(before, MessageState.of(entry));
            }
            return true;
        }
    }
}
