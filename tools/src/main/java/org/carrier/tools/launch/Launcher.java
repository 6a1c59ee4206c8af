package org.carrier.tools.launch;

import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.felix.main.AutoProcessor;
import org.apache.felix.main.Main;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * What {@code bin/carrier} runs: Felix's launcher ({@link Main}: conf/felix.properties, the bundles of boot/ and
 * bundle/ installed by {@link AutoProcessor}, a shutdown hook), with one step more before the framework starts: the
 * bundles named in {@value #ADMIN_BUNDLES} (the web console, its HTTP server, the Gogo shell, Carrier's console
 * pages and shell socket) get the start level {@value #ADMIN_LEVEL}, after the mail's. The SMTP listener then answers
 * without waiting for Jetty and the console to start (issue 21: they cost about 0.8 s of CPU at start-up, most of
 * the time to the greeting on 2 cores), and they start right after it. By symbolic name, so a bundle's new version
 * keeps its place; set on every start, before the framework starts, because Felix's launcher gives every bundle of
 * bundle/ the same level ({@code felix.startlevel.bundle}) when it installs it.
 */
public final class Launcher {
    /** The framework property naming the administration's bundles (symbolic names, separated by spaces or commas). */
    static final String ADMIN_BUNDLES = "carrier.startlevel.admin";
    /** The framework property with the start level they get. */
    static final String ADMIN_LEVEL = "carrier.startlevel.admin.level";
    private static final String CONFIG_FILE = "conf/felix.properties";
    private static volatile Framework framework;

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Main.loadSystemProperties();
        Map<String, String> config = Main.loadConfigProperties();
        if (config == null) {
            System.err.println("Carrier: no " + CONFIG_FILE + " found (the felix.config.properties system property names it)");
            System.exit(78); // EX_CONFIG
        }
        Main.copySystemProperties(config);
        Runtime.getRuntime().addShutdownHook(new Thread(Launcher::stopFramework, "Felix Shutdown Hook"));
        try {
            framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                    .newFramework(config);
            framework.init();
            AutoProcessor.process(config, framework.getBundleContext());
            startAdministrationLater(config, framework.getBundleContext());
            FrameworkEvent event;
            do {
                framework.start();
                event = framework.waitForStop(0);
            } while (event.getType() == FrameworkEvent.STOPPED_UPDATE);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("Carrier: could not start the OSGi framework: " + e);
            e.printStackTrace();
            System.exit(70); // EX_SOFTWARE
        }
    }

    /**
     * Gives the administration's bundles their later start level. A level that is not a whole number from 1 to the
     * beginning start level is refused with one line (those bundles would never start), and they start with the mail.
     */
    static void startAdministrationLater(Map<String, String> config, BundleContext context) {
        Set<String> names = names(config.get(ADMIN_BUNDLES));
        String value = config.getOrDefault(ADMIN_LEVEL, "").trim();
        if (names.isEmpty() || value.isEmpty()) {
            return;
        }
        int beginning = parseOr(config.getOrDefault("org.osgi.framework.startlevel.beginning", "1").trim(), 1);
        int level = parseOr(value, -1);
        if (level < 1 || level > beginning) {
            System.err.printf("Carrier: %s: %s = %s: expected a whole number from 1 to %d (org.osgi.framework.startlevel.beginning);"
                    + " the administration starts with the mail%n", CONFIG_FILE, ADMIN_LEVEL, value, beginning);
            return;
        }
        for (Bundle bundle : context.getBundles()) {
            if (names.contains(bundle.getSymbolicName())) {
                bundle.adapt(BundleStartLevel.class).setStartLevel(level);
            }
        }
    }

    static Set<String> names(String list) {
        return list == null ? Set.of()
                : Arrays.stream(list.split("[\\s,]+")).filter(n -> !n.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    private static int parseOr(String value, int otherwise) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** SIGTERM or the end of the JVM: the bundles stop in order (the queue closes its files, the listeners unbind). */
    private static void stopFramework() {
        Framework running = framework;
        if (running == null) {
            return;
        }
        try {
            running.stop();
            running.waitForStop(0);
        } catch (Exception e) {
            System.err.println("Carrier: stopping the OSGi framework: " + e);
        }
    }
}
