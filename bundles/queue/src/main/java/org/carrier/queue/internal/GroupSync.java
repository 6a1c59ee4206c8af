package org.carrier.queue.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Group commit for a directory: sessions that made a rename in it and need it on disk call {@link #sync()};
 * one of them syncs the directory for all that called before that sync started, the others wait for it.
 * A caller returns only after a sync that began after its call has completed, so this is never weaker than
 * one sync per caller; under load, many commits share one sync.
 */
final class GroupSync {
    private final Runnable syncAction;
    private long requested;
    private long completed;
    private boolean syncing;

    GroupSync(Path directory) {
        this(() -> syncDirectory(directory));
    }

    /** @param syncAction what makes the callers' changes durable (a directory sync; a probe in tests) */
    GroupSync(Runnable syncAction) {
        this.syncAction = syncAction;
    }

    void sync() throws InterruptedIOException {
        long covered;
        synchronized (this) {
            long ticket = ++requested;
            while (true) {
                if (completed >= ticket) {
                    return; // a sync that started after our rename has finished
                }
                if (!syncing) {
                    syncing = true;
                    covered = requested; // every ticket up to here made its rename before this sync starts
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the spool sync");
                }
            }
        }
        try {
            syncAction.run(); // outside the monitor: later callers take their tickets meanwhile
        } finally {
            synchronized (this) {
                syncing = false;
                completed = Math.max(completed, covered);
                notifyAll();
            }
        }
    }

    /** Makes renames in {@code dir} durable; a platform that cannot sync directories leaves it to the OS. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported on this platform
        }
    }
}
