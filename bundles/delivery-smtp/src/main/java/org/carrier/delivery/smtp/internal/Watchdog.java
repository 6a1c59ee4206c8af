package org.carrier.delivery.smtp.internal;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose read or write takes longer than its timeout. One mechanism for TCP and
 * Unix domain sockets (the latter have no SO_TIMEOUT), and for writes, which a socket never times out:
 * RFC 5321 §4.5.3.2.5 wants a timeout on each data block sent too.
 */
final class Watchdog implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2, r -> {
        Thread t = new Thread(r, "carrier-delivery-watchdog");
        t.setDaemon(true);
        return t;
    });

    Watchdog() {
        // Almost every timer is cancelled long before it fires (a 5-minute timeout per command): drop them at once,
        // or a busy client would keep millions of dead tasks queued.
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Arms a timer that closes {@code target} after {@code millis}; the caller cancels it when the operation ends. */
    ScheduledFuture<?> arm(Closeable target, long millis) {
        return timer.schedule(() -> {
            try {
                target.close();
            } catch (IOException e) {
                // it is being closed anyway
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Runs a task repeatedly, e.g. closing idle connections; a second thread keeps the timers firing meanwhile. */
    ScheduledFuture<?> every(Runnable task, long millis) {
        return timer.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
