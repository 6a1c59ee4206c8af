package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.QueueUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses new mail while the spool's file system has less usable space than the threshold, so that the
 * messages already queued can still have their state written and be delivered. Service resumes by itself
 * as soon as space returns: every check asks the file system afresh (one statvfs call).
 */
final class FreeSpace {
    private static final Logger LOG = LoggerFactory.getLogger(FreeSpace.class);
    /** RFC 5321 §4.5.3.1.10 and RFC 3463 X.3.1: "mail system full", a transient condition. */
    static final SmtpReply INSUFFICIENT_STORAGE = new SmtpReply(452, "4.3.1", "Insufficient system storage, try again later");

    private final Path spool;
    private final FileStore store;
    private volatile boolean low;

    FreeSpace(Path spool) throws IOException {
        this.spool = spool;
        this.store = Files.getFileStore(spool);
    }

    /** @throws QueueUnavailableException with 452 4.3.1 if less than {@code minimumBytes} are usable */
    void check(long minimumBytes) throws IOException {
        long usable = store.getUsableSpace();
        if (usable < minimumBytes) {
            if (!low) {
                low = true;
                LOG.warn("spool {}: only {} MB free, below the threshold of {} MB: new mail is refused with {}",
                        spool, usable >> 20, minimumBytes >> 20, INSUFFICIENT_STORAGE);
            }
            throw new QueueUnavailableException(INSUFFICIENT_STORAGE);
        }
        if (low) {
            low = false;
            LOG.info("spool {}: {} MB free again: accepting mail", spool, usable >> 20);
        }
    }
}
