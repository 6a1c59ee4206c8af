package org.carrier.api.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * This host's name, the one Carrier gives everywhere: the SMTP greeting and EHLO reply, Received fields, the SMTP
 * client's EHLO, DSNs (Reporting-MTA and Message-ID), Maildir file names and the MX loop check. The framework
 * property {@value #PROPERTY} (conf/felix.properties, or {@code -Dcarrier.hostname=}) sets it; RFC 5321 §4.1.1.1
 * wants a fully qualified domain name there. Without it, the kernel's host name, read without a DNS lookup (one at
 * start-up could hang or reach beyond the machine). Per-part settings (a listener's {@code hostname}, the queue's
 * {@code reportingMta}, delivery's {@code heloName}) still override it.
 */
public final class HostName {
    /** The framework (or system) property that names this host. */
    public static final String PROPERTY = "carrier.hostname";
    private static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private HostName() {
    }

    /** This host's name: {@value #PROPERTY} when set, else the kernel's name for the host, else "localhost". */
    public static String local() {
        Bundle bundle = FrameworkUtil.getBundle(HostName.class);
        BundleContext context = bundle == null ? null : bundle.getBundleContext();
        String configured = context == null ? System.getProperty(PROPERTY) : context.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return configured.strip();
        }
        return system();
    }

    private static String system() {
        try {
            String name = Files.readString(KERNEL_HOSTNAME).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JDK
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
