package org.carrier.queue.internal;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The compact on-disk-driven schedule: which queued message is due when, as a binary min-heap of two
 * primitive arrays (16 bytes a message), so that a backlog of a million messages costs about 16 MB and
 * only the messages whose turn has come are loaded from the spool.
 * <p>
 * Items may be stale (a message deleted, held or rescheduled since): whoever takes an item checks the
 * message on disk. Whoever changes a message's next attempt adds a new item, so the item that counts
 * always exists. Thread-safe; its monitor also wakes the scheduler thread.
 */
final class Schedule {
    private long[] due = new long[1024];
    private long[] ids = new long[1024];
    private int size;
    private boolean waitingForRoom;

    synchronized int size() {
        return size;
    }

    /** Adds (or re-adds) a message due at {@code dueMillis}; wakes the scheduler. */
    synchronized void add(long dueMillis, long id) {
        if (size == due.length) {
            due = Arrays.copyOf(due, size * 2);
            ids = Arrays.copyOf(ids, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (due[parent] <= dueMillis) {
                break;
            }
            due[i] = due[parent];
            ids[i] = ids[parent];
            i = parent;
        }
        due[i] = dueMillis;
        ids[i] = id;
        notifyAll();
    }

    /**
     * Takes the earliest item if it is due at {@code nowMillis}; otherwise waits until it will be (or
     * until something is added, or at most {@code maxWaitMillis}) and returns -1 so the caller looks again.
     */
    synchronized long takeDue(long nowMillis, long maxWaitMillis) throws InterruptedException {
        if (size > 0 && due[0] <= nowMillis) {
            long id = ids[0];
            removeTop();
            return id;
        }
        long wait = size == 0 ? maxWaitMillis : Math.min(maxWaitMillis, due[0] - nowMillis);
        if (wait > 0) {
            wait(wait);
        }
        return -1;
    }

    /**
     * Wakes the scheduler if it waits for room under the active limit ({@link #awaitRoom}): a delivery finished,
     * or the limit grew. Otherwise nothing: a wake-up per delivered message would cost a thread switch for nothing.
     */
    synchronized void roomFreed() {
        if (waitingForRoom) {
            notifyAll();
        }
    }

    /**
     * Waits at most {@code millis} for {@link #roomFreed()} or an {@link #add}, if {@code full} still holds once
     * the wait is announced (so a delivery that ends meanwhile is not missed).
     */
    synchronized void awaitRoom(long millis, BooleanSupplier full) throws InterruptedException {
        waitingForRoom = true;
        try {
            if (full.getAsBoolean()) {
                wait(millis);
            }
        } finally {
            waitingForRoom = false;
        }
    }

    private void removeTop() {
        size--;
        long lastDue = due[size];
        long lastId = ids[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && due[child + 1] < due[child]) {
                child++;
            }
            if (lastDue <= due[child]) {
                break;
            }
            due[i] = due[child];
            ids[i] = ids[child];
            i = child;
        }
        due[i] = lastDue;
        ids[i] = lastId;
    }
}
