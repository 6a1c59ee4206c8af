package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the SMTP and LMTP transport components share: the live client, replaced as a whole when the
 * configuration changes (deliveries in progress finish on the old one), and the rule for bad configuration:
 * an error naming the file, key and problem, and the last good settings stay in force.
 */
abstract class ClientTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(ClientTransport.class);

    private final Protocol protocol;
    private final String pid;
    private final Watchdog watchdog = new Watchdog();
    private volatile ClientDelivery delivery;

    ClientTransport(Protocol protocol, String pid) {
        this.protocol = protocol;
        this.pid = pid;
    }

    /** Applies new settings, or keeps the current ones (the defaults at first) with an error if they are invalid. */
    final void apply(Supplier<Configured> source, Map<String, Object> properties) {
        ClientDelivery fresh;
        try {
            Configured configured = source.get();
            fresh = new ClientDelivery(protocol, configured.settings(), TlsContexts.create(configured.caFile()), watchdog);
        } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
            Object file = properties.get("felix.fileinstall.filename");
            String problem = e instanceof IllegalArgumentException ? e.getMessage() : "tlsCaFile: " + e.getMessage();
            LOG.error("configuration {}{}: {}; keeping {}", pid, file == null ? "" : " (" + file + ")", problem,
                    delivery == null ? "the defaults" : "the last good settings");
            if (delivery != null) {
                return;
            }
            fresh = defaults();
        }
        ClientDelivery old = delivery;
        delivery = fresh;
        if (old != null) {
            old.close();
        }
    }

    final void stop() {
        ClientDelivery current = delivery;
        if (current != null) {
            current.close();
        }
        watchdog.close();
    }

    @Override
    public final List<RecipientOutcome> deliver(DeliveryRequest request) {
        return delivery.deliver(request);
    }

    private ClientDelivery defaults() {
        try {
            Settings settings = new Settings(localHostname(), Settings.Timeouts.RFC_5321, Settings.Reuse.DEFAULT, true, true);
            return new ClientDelivery(protocol, settings, TlsContexts.create(null), watchdog);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS defaults are not usable", e);
        }
    }

    /**
     * A configuration turned into settings (the supplier throws IllegalArgumentException naming the bad key).
     *
     * @param caFile extra trusted CA certificates (PEM) for TLS policy VERIFY, or {@code null}
     */
    record Configured(Settings settings, Path caFile) {
    }

    static String heloName(String configured) {
        return configured == null || configured.isBlank() ? localHostname() : configured.trim();
    }

    static int millis(String key, int seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException(key + " must be positive, not " + seconds);
        }
        return Math.multiplyExact(seconds, 1000);
    }

    static int positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, not " + value);
        }
        return value;
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
