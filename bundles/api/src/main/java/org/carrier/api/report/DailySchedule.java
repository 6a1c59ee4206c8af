package org.carrier.api.report;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntSupplier;

/**
 * When the day's reports go out: once a UTC day (both RFCs report on whole UTC days: RFC 8460 §4.1, RFC 7489
 * §7.2.1.1), at a random minute of a window after midnight, drawn anew each day, so that not every server of the
 * world sends at 00:00 (RFC 7489 §7.2.1.1 asks for exactly that). Not thread-safe: one worker thread asks it.
 */
public final class DailySchedule {
    private final Clock clock;
    private final IntSupplier windowMinutes;
    private final Random random;
    private LocalDate lastRun;
    private int todaysMinute;

    /**
     * @param windowMinutes the current send window (from 1), read each time a minute is drawn, so a changed setting
     *                      takes effect from the next day
     */
    public DailySchedule(Clock clock, IntSupplier windowMinutes) {
        this(clock, windowMinutes, new SecureRandom());
    }

    DailySchedule(Clock clock, IntSupplier windowMinutes, Random random) {
        this.clock = clock;
        this.windowMinutes = windowMinutes;
        this.random = random;
        this.lastRun = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
        this.todaysMinute = pickMinute();
    }

    /**
     * Today's midnight (UTC) when the day's reports are due now and were not sent yet today; they are then counted
     * as sent, and the next are due tomorrow. Empty otherwise.
     */
    public Optional<Instant> due() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant midnight = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        if (!today.isAfter(lastRun) || now.isBefore(midnight.plus(Duration.ofMinutes(todaysMinute)))) {
            return Optional.empty();
        }
        lastRun = today;
        todaysMinute = pickMinute();
        return Optional.of(midnight);
    }

    private int pickMinute() {
        return 1 + random.nextInt(Math.max(1, windowMinutes.getAsInt()));
    }
}
