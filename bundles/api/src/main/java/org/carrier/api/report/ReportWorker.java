package org.carrier.api.report;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;

/**
 * The one thread of a daily reporter: every few seconds it sends the day's reports when they are due and saves the
 * counts when {@code saveSeconds} have passed since the last save. One thread, so sending and saving never overlap.
 */
public final class ReportWorker {
    private static final long TICK_SECONDS = 5;

    private final ScheduledExecutorService executor;
    private final Runnable sendWhenDue;
    private final Runnable save;
    private final IntSupplier saveSeconds;
    private final BiConsumer<String, RuntimeException> errorLog;
    private long lastSave = System.nanoTime();

    private ReportWorker(String threadName, Runnable sendWhenDue, Runnable save, IntSupplier saveSeconds,
                         BiConsumer<String, RuntimeException> errorLog) {
        this.sendWhenDue = sendWhenDue;
        this.save = save;
        this.saveSeconds = saveSeconds;
        this.errorLog = errorLog;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the thread.
     *
     * @param sendWhenDue sends the reports if today's are due (see {@link DailySchedule#due})
     * @param save        writes the counts if they changed
     * @param saveSeconds the current {@code saveSeconds} setting
     * @param errorLog    where an unexpected failure of a round goes (the next round runs all the same)
     */
    public static ReportWorker start(String threadName, Runnable sendWhenDue, Runnable save, IntSupplier saveSeconds,
                                     BiConsumer<String, RuntimeException> errorLog) {
        ReportWorker worker = new ReportWorker(threadName, sendWhenDue, save, saveSeconds, errorLog);
        worker.executor.scheduleWithFixedDelay(worker::tick, TICK_SECONDS, TICK_SECONDS, TimeUnit.SECONDS);
        return worker;
    }

    private void tick() {
        try {
            sendWhenDue.run();
            long now = System.nanoTime();
            if (now - lastSave >= TimeUnit.SECONDS.toNanos(saveSeconds.getAsInt())) {
                lastSave = now;
                save.run();
            }
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log, and try at the next tick.
            errorLog.accept(String.valueOf(e.getMessage()), e);
        }
    }

    /** Stops the thread; a round in progress is interrupted. */
    public void stop() {
        executor.shutdownNow();
    }
}
