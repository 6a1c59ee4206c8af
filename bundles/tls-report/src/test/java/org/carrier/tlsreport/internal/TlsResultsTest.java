package org.carrier.tlsreport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.Test;

class TlsResultsTest {
    private static final Instant MIDNIGHT = Instant.parse("2026-12-06T00:00:00Z");
    private final MutableClock clock = new MutableClock(MIDNIGHT.plus(Duration.ofHours(23)));
    private final TlsResults results = new TlsResults(clock);

    @Test
    void eachUtcDayIsItsOwnPeriodAndTheDailyRunTakesOnlyFinishedDays() {
        results.record(Results.stsSuccess());
        clock.advance(Duration.ofHours(2)); // 01:00 the next day
        results.record(Results.stsSuccess());
        results.record(Results.stsSuccess());

        List<TlsResults.Period> yesterday = results.take(MIDNIGHT.plus(Duration.ofDays(1)), false);
        assertEquals(1, yesterday.size());
        assertEquals(MIDNIGHT, yesterday.get(0).start());
        assertEquals(MIDNIGHT.plus(Duration.ofDays(1)), yesterday.get(0).end(), "RFC 8460 §4.1: 00:00 to 24:00 UTC");
        assertEquals(1, yesterday.get(0).successes());
        assertEquals(2, results.snapshot().values().iterator().next().successes(), "today's results stay");
    }

    @Test
    void sendNowEndsTheCurrentPeriodAndTheRestOfTheDayIsANewOne() {
        results.record(Results.stsSuccess());
        Instant now = clock.instant();
        TlsResults.Period sent = results.take(now, true).get(0);
        assertEquals(MIDNIGHT, sent.start());
        assertEquals(now, sent.end());

        clock.advance(Duration.ofMinutes(10));
        results.record(Results.stsFailure(TlsFailureType.CERTIFICATE_NOT_TRUSTED, "untrusted"));
        TlsResults.Period rest = results.take(MIDNIGHT.plus(Duration.ofDays(1)), false).get(0);
        assertEquals(now, rest.start(), "starts where the report sent by hand ended: no session counted twice");
        assertEquals(MIDNIGHT.plus(Duration.ofDays(1)), rest.end());
        assertEquals(0, rest.successes());
        assertEquals(1, rest.failures());
    }

    @Test
    void eachDomainGetsItsOwnReportAndPoliciesStayApart() {
        results.record(Results.stsSuccess());
        results.record(Results.tlsaSuccess()); // the same domain, written in another case
        results.record(Results.noPolicyFailure("other.test"));
        List<TlsResults.Period> periods = results.take(clock.instant(), false);
        assertEquals(List.of("example.test", "other.test"), periods.stream().map(TlsResults.Period::domain).toList());
        assertEquals(2, periods.get(0).policies().size());
    }

    @Test
    void failureDetailsAreBoundedAndNoFailureIsLost() {
        int n = PolicyCounts.MAX_FAILURE_DETAILS + 50;
        for (int i = 0; i < n; i++) {
            results.record(Results.stsFailure(TlsFailureType.VALIDATION_FAILURE, "reason " + i));
        }
        PolicyTotals totals = results.snapshot().values().iterator().next();
        assertEquals(n, totals.failureCount());
        assertTrue(totals.failures().size() <= PolicyCounts.MAX_FAILURE_DETAILS + 1, "the rest folded into one entry");
    }
}
