package org.carrier.api.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class FailureLogTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final FailureLog log = new FailureLog("greylist", lines::add, now::get);

    @Test
    void aStreamOfFailuresIsOneLineAMinute() {
        for (int i = 0; i < 100; i++) {
            log.failed(new SharedStateException("timed out", null), "deciding from this node's memory");
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertEquals(2, lines.size(), lines::toString);
        assertEquals("greylist: cluster state unavailable (timed out), 1 call failed; deciding from this node's memory", lines.get(0));
        assertEquals("greylist: cluster state unavailable (timed out), 60 calls failed in the last minute; deciding from this node's memory",
                lines.get(1));
    }

    @Test
    void recoveryIsOneLineAndTheNextFailureIsLoggedAtOnce() {
        log.failed(new SharedStateException("refused", null), "TEMPFAIL");
        log.worked();
        log.worked();
        log.failed(new SharedStateException("refused", null), "TEMPFAIL");
        assertEquals(3, lines.size(), lines::toString);
        assertEquals("greylist: cluster state available again; using it", lines.get(1));
        assertTrue(log.failing());
    }
}
