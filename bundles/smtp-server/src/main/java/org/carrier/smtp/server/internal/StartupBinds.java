package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Fail fast on a taken port (issue 19): an MX whose port 25 is held by another program must not run on quietly
 * without it, where only a look at the log would show that no mail arrives. A listener configured when Carrier
 * starts that cannot bind makes Carrier exit with {@link #EXIT_STATUS}, so a service manager sees the failure
 * (and {@code Restart=on-failure} tries again). A listener added or changed later that cannot bind is logged, and
 * the others keep working.
 *
 * <p>"At start" is a window: it opens when this bundle starts while the framework is starting, and closes once the
 * framework has started and every listener configuration in ConfigAdmin has reported its first bind, or after
 * {@link #WINDOW_SECONDS}. The exit is behind the framework property {@value #EXIT_PROPERTY}, which the distribution's
 * conf/felix.properties sets; without it (Carrier embedded in another framework, Pax Exam) nothing exits the JVM.
 */
@Component(service = StartupBinds.class, immediate = true)
public class StartupBinds implements FrameworkListener {
    /** Framework property: true makes a listener that cannot bind at start stop Carrier. */
    static final String EXIT_PROPERTY = "carrier.exitOnBindFailure";
    /** EX_CONFIG from sysexits.h: the configured address cannot be used as it is. */
    static final int EXIT_STATUS = 78;
    /** How long after the start a listener's first bind still counts as "at start", at the latest. */
    static final long WINDOW_SECONDS = 60;

    private final LongSupplier nanoTime;
    private final Supplier<Set<String>> configured;
    private boolean exitOnFailure;
    private boolean frameworkStarted;
    private boolean open;
    private long openedAt;
    private final Set<String> reported = new HashSet<>();
    private BundleContext context;

    @Reference
    private ConfigurationAdmin configurations;

    public StartupBinds() {
        this.nanoTime = System::nanoTime;
        this.configured = this::configuredListeners;
    }

    /** For tests: a clock and the listener configurations, without a framework. */
    StartupBinds(LongSupplier nanoTime, Supplier<Set<String>> configured) {
        this.nanoTime = nanoTime;
        this.configured = configured;
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        context.addFrameworkListener(this);
        boolean starting = context.getBundle(0).getState() == Bundle.STARTING;
        open(starting, Boolean.parseBoolean(context.getProperty(EXIT_PROPERTY)));
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
    }

    /** Opens the window if the framework is still starting (a bundle restarted at run time is not "at start"). */
    synchronized void open(boolean frameworkStarting, boolean exitOnFailure) {
        this.exitOnFailure = exitOnFailure;
        this.open = frameworkStarting;
        this.openedAt = nanoTime.getAsLong();
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            frameworkStarted();
        }
    }

    void frameworkStarted() {
        synchronized (this) {
            frameworkStarted = true;
        }
        closeIfAllReported();
    }

    /** A listener bound its socket (or was refused for its configuration, which is logged and not a bind failure). */
    void reported(String pid) {
        synchronized (this) {
            reported.add(pid);
        }
        closeIfAllReported();
    }

    /**
     * A listener could not bind. True if Carrier is to stop for it (the caller logs the line, then calls
     * {@link #exit()}); false if it keeps running without that listener.
     */
    synchronized boolean bindFailed(String pid) {
        reported.add(pid);
        return exitOnFailure && inWindow();
    }

    private boolean inWindow() {
        if (open && nanoTime.getAsLong() - openedAt > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
            open = false;
        }
        return open;
    }

    private void closeIfAllReported() {
        Set<String> listeners = configured.get();
        synchronized (this) {
            // No listener configured yet: FileInstall may not have read config/ so far; the deadline closes it then.
            if (frameworkStarted && !listeners.isEmpty() && reported.containsAll(listeners)) {
                open = false;
            }
        }
    }

    private Set<String> configuredListeners() {
        Set<String> pids = new HashSet<>();
        try {
            Configuration[] all = configurations.listConfigurations("(service.factoryPid=" + ListenerComponent.FACTORY_PID + ")");
            if (all != null) {
                for (Configuration c : all) {
                    pids.add(c.getPid());
                }
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            // ConfigAdmin going away: the window closes at its deadline
        }
        return pids;
    }

    /**
     * Exits the JVM with {@link #EXIT_STATUS}. From a thread of its own: System.exit runs Felix's shutdown hook, which
     * stops the framework and waits for this bundle's components, whose activation may be the caller.
     */
    void exit() {
        Thread exit = new Thread(() -> System.exit(EXIT_STATUS), "carrier-exit-on-bind-failure");
        exit.start();
    }

    /** For the log line: what happens now, and the setting that changes it. */
    static String stopping() {
        return "Carrier stops (exit status " + EXIT_STATUS + "): a listener configured at start must bind ("
                + EXIT_PROPERTY + " = false in conf/felix.properties keeps Carrier running without it)";
    }
}
