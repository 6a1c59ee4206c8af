package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Which bind failures are "at start" and stop Carrier, and which are only logged. */
class StartupBindsTest {
    private final AtomicLong now = new AtomicLong();
    private final Set<String> configured = new HashSet<>(Set.of("listener~a", "listener~b"));
    private final StartupBinds binds = new StartupBinds(now::get, () -> configured);

    @Test
    void aFailureWhileTheFrameworkStartsStopsCarrier() {
        binds.open(true, true);
        assertTrue(binds.bindFailed("listener~a"));
    }

    @Test
    void withoutTheSettingCarrierKeepsRunning() {
        binds.open(true, false);
        assertFalse(binds.bindFailed("listener~a"));
    }

    @Test
    void aBundleStartedWhileCarrierRunsIsNotAtStart() {
        binds.open(false, true);
        assertFalse(binds.bindFailed("listener~a"));
    }

    @Test
    void onceEveryConfiguredListenerBoundAfterTheStartALaterFailureIsOnlyLogged() {
        binds.open(true, true);
        binds.reported("listener~a");
        binds.frameworkStarted();
        binds.reported("listener~b");
        configured.add("listener~added-later");
        assertFalse(binds.bindFailed("listener~added-later"));
    }

    @Test
    void aListenerStillToReportKeepsTheWindowOpenAfterTheFrameworkStarted() {
        binds.open(true, true);
        binds.reported("listener~a");
        binds.frameworkStarted();
        assertTrue(binds.bindFailed("listener~b"));
    }

    @Test
    void noListenerConfiguredYetKeepsTheWindowOpenUntilItsDeadline() {
        configured.clear();
        binds.open(true, true);
        binds.frameworkStarted();
        now.addAndGet(TimeUnit.SECONDS.toNanos(StartupBinds.WINDOW_SECONDS - 1));
        configured.add("listener~a");
        assertTrue(binds.bindFailed("listener~a"));
    }

    @Test
    void theWindowClosesAtItsDeadline() {
        binds.open(true, true);
        now.addAndGet(TimeUnit.SECONDS.toNanos(StartupBinds.WINDOW_SECONDS + 1));
        assertFalse(binds.bindFailed("listener~a"));
    }
}
