package org.carrier.api.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

class DailyScheduleTest {
    private static final Instant MIDNIGHT = Instant.parse("2026-12-07T00:00:00Z");

    /** A clock the test moves. */
    private static final class Moving extends Clock {
        Instant now;

        Moving(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void dueOnceADayAtTheDrawnMinuteAfterMidnight() {
        Moving clock = new Moving(MIDNIGHT.plusSeconds(30));
        // nextInt(120) answers 41 every time: the reports are due at 00:42 each day
        Random fixed = new Random() {
            @Override
            public int nextInt(int bound) {
                assertEquals(120, bound);
                return 41;
            }
        };
        DailySchedule schedule = new DailySchedule(clock, () -> 120, fixed);
        clock.now = MIDNIGHT.plus(Duration.ofMinutes(41));
        assertTrue(schedule.due().isEmpty(), "not before the drawn minute");
        clock.now = MIDNIGHT.plus(Duration.ofMinutes(42));
        assertEquals(Optional.of(MIDNIGHT), schedule.due());
        assertTrue(schedule.due().isEmpty(), "once a day");
        clock.now = MIDNIGHT.plus(Duration.ofHours(23));
        assertTrue(schedule.due().isEmpty(), "once a day");
        clock.now = MIDNIGHT.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(50));
        assertEquals(Optional.of(MIDNIGHT.plus(Duration.ofDays(1))), schedule.due());
    }

    @Test
    void aServerStartedLateInTheDaySendsThatDaysReportsAtOnce() {
        // started at 15:00: the day's minute (at most the window) has passed, so yesterday's reports go out now
        Moving clock = new Moving(MIDNIGHT.plus(Duration.ofHours(15)));
        DailySchedule schedule = new DailySchedule(clock, () -> 120);
        assertEquals(Optional.of(MIDNIGHT), schedule.due());
    }
}
