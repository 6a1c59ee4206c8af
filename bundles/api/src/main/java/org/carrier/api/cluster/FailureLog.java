package org.carrier.api.cluster;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The log lines of a consumer whose shared state fails: the first failure at once, then at most one line a minute
 * with how many calls failed meanwhile (a stream of mail must not become a stream of identical lines), and one line
 * when a call works again. Thread-safe.
 */
public final class FailureLog {
    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final String consumer;
    private final Consumer<String> warn;
    private final LongSupplier nanoTime;
    private boolean failing;
    private long lastLine;
    private long failedSinceLine;

    /**
     * @param consumer what the lines name, e.g. "greylist"
     * @param warn     where they go (e.g. {@code LOG::warn})
     */
    public FailureLog(String consumer, Consumer<String> warn) {
        this(consumer, warn, System::nanoTime);
    }

    FailureLog(String consumer, Consumer<String> warn, LongSupplier nanoTime) {
        this.consumer = consumer;
        this.warn = warn;
        this.nanoTime = nanoTime;
    }

    /** A call failed; {@code meaning} says what is done instead (e.g. "deciding from this node's memory"). */
    public void failed(RuntimeException e, String meaning) {
        String line = null;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            failedSinceLine++;
            if (!failing || now - lastLine >= INTERVAL) {
                line = consumer + ": cluster state unavailable (" + e.getMessage() + "), " + failedSinceLine
                        + (failedSinceLine == 1 ? " call" : " calls") + " failed" + (failing ? " in the last minute" : "")
                        + "; " + meaning;
                failing = true;
                lastLine = now;
                failedSinceLine = 0;
            }
        }
        if (line != null) {
            warn.accept(line);
        }
    }

    /** A call worked: after failures, one line says the shared state is in use again. */
    public void worked() {
        if (!failing) {
            return;
        }
        synchronized (this) {
            if (!failing) {
                return;
            }
            failing = false;
            failedSinceLine = 0;
        }
        warn.accept(consumer + ": cluster state available again; using it");
    }

    /** Whether the last call failed. */
    public synchronized boolean failing() {
        return failing;
    }
}
