package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.QueueUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses new mail while the spool's file system has less usable space than the threshold, so that the
 * messages already queued can still have their state written and be delivered. Service resumes by itself
 * as soon as space returns. The file system is asked (one statvfs call) at most once per {@link #REFRESH_NANOS}:
 * at a thousand messages a second, a call per message would be measurable, and a second's lag in noticing
 * the disk fill up or free up changes nothing (the threshold leaves room for what arrives meanwhile).
 * A changed threshold applies at once, compared with the last figure.
 */
final class FreeSpace {
    private static final Logger LOG = LoggerFactory.getLogger(FreeSpace.class);
    /** RFC 5321 §4.5.3.1.10 and RFC 3463 X.3.1: "mail system full", a transient condition. */
    static final SmtpReply INSUFFICIENT_STORAGE = new SmtpReply(452, "4.3.1", "Insufficient system storage, try again later");

    /**
     * This system's own words for ENOSPC: {@code strerror} follows the locale (LC_MESSAGES), so the English text alone
     * would miss a full disk on a localized host. Learnt once by writing to {@code /dev/full} (Linux), which always
     * fails with ENOSPC; the English text where that device is missing.
     */
    private static final String NO_SPACE = systemMessageForNoSpace();

    /** How long a free-space figure is used before the file system is asked again. */
    static final long REFRESH_NANOS = 1_000_000_000L;

    private final Path spool;
    private final FileStore store;
    private volatile boolean low;
    private volatile long usable;
    private volatile long askedAt;
    private volatile boolean asked;

    FreeSpace(Path spool) throws IOException {
        this.spool = spool;
        this.store = Files.getFileStore(spool);
    }

    /** @throws QueueUnavailableException with 452 4.3.1 if less than {@code minimumBytes} are usable */
    void check(long minimumBytes) throws IOException {
        long usable = usableSpace();
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

    /**
     * A write or sync that failed because the file system is full (ENOSPC, or EDQUOT for a quota) is the same condition
     * as low free space, met between two checks: {@code 452 4.3.1} for the client, not a queue error. The JDK gives no
     * errno, only the system's message ({@code strerror}, in the language of LC_MESSAGES), so that message is what is
     * recognised: this system's own words for ENOSPC ({@link #NO_SPACE}), and the English ones.
     *
     * @return {@code e} itself, or a refusal with {@code e} as its cause
     */
    static IOException refusalIfFull(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof QueueUnavailableException || !(message.contains(NO_SPACE) || message.contains("No space left on device")
                || message.contains("Disk quota exceeded"))) {
            return e;
        }
        QueueUnavailableException refusal = new QueueUnavailableException(INSUFFICIENT_STORAGE);
        refusal.initCause(e);
        return refusal;
    }

    /** The usable space, asked afresh when the last figure is older than {@link #REFRESH_NANOS}. */
    private long usableSpace() throws IOException {
        long now = System.nanoTime();
        if (!asked || now - askedAt >= REFRESH_NANOS) {
            usable = store.getUsableSpace(); // a race here only asks twice
            askedAt = now;
            asked = true;
        }
        return usable;
    }

    private static String systemMessageForNoSpace() {
        try (FileChannel full = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
            full.write(ByteBuffer.wrap(new byte[1]));
        } catch (IOException e) {
            String message = e.getMessage();
            if (message != null && !message.isBlank()) {
                return message.strip();
            }
        }
        return "No space left on device";
    }
}
