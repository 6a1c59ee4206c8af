package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.net.HostName;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
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
    private final Watchdog watchdog = new Watchdog();
    private volatile ClientDelivery delivery;
    private Prepared applied;
    private volatile DnsResolver resolver;
    private volatile MtaStsPolicies mtaSts;
    /** Outbound TLS sessions by policy and outcome, kept across configuration changes. */
    final CounterFamily tlsSessions = TlsResults.sessionCounter();
    private volatile TlsResultRecorder recorder;
    /** The outbound filters; only the SMTP transport binds them (LMTP delivers here, see {@link OutboundStage}). */
    final OutboundFilters outbound = new OutboundFilters();

    ClientTransport(Protocol protocol) {
        this.protocol = protocol;
    }

    /**
     * Applies a new configuration through {@code guard}: a bad value is one log line naming file, key and value,
     * and the client in force (at first: the defaults) stays.
     */
    final <C> void apply(ConfigGuard<C, Prepared> guard, C config, Map<String, Object> properties, Function<C, Configured> parse) {
        Prepared prepared = guard.apply(config, properties, c -> prepare(parse.apply(c)));
        ClientDelivery current = delivery;
        if (current != null && prepared == applied) {
            return; // refused: the client in force stays
        }
        applied = prepared;
        delivery = new ClientDelivery(protocol, prepared.settings(), prepared.tls(), watchdog,
                new ClientDelivery.Policies(this::resolver, () -> mtaSts, () -> recorder, tlsSessions, outbound::stage, this::cluster));
        if (current != null) {
            current.close();
        }
    }

    private static Prepared prepare(Configured configured) {
        try {
            return new Prepared(configured.settings(), TlsContexts.create(configured.caFile()));
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigProblem("tlsCaFile", configured.caFile(), e.getMessage());
        }
    }

    /**
     * The cluster's shared state the per-destination connection slots are counted on, or null: this node counts
     * alone. Only SMTP shares them (its destinations are other sites' servers); LMTP's are this node's own.
     */
    SharedState cluster() {
        return null;
    }

    /** The DNS resolver service next-hop names are resolved with, or null while there is none. */
    final DnsResolver resolver() {
        return resolver;
    }

    /**
     * Next-hop names are looked up here (optional: without it, IP literals and Unix sockets still work). The SMTP and
     * LMTP components get this reference and {@link #deactivate} from here: bnd reads DS annotations of this
     * superclass ({@code -dsannotations-options: inherit} in this bundle's pom).
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    final void bindResolver(DnsResolver arrived) {
        resolver = arrived;
    }

    final void unbindResolver(DnsResolver left) {
        if (resolver == left) {
            resolver = null;
        }
    }

    /** The MTA-STS policy source (optional): without it, {@code dane} routes fall back to {@code may} without DANE. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    final void bindMtaSts(MtaStsPolicies arrived) {
        mtaSts = arrived;
    }

    final void unbindMtaSts(MtaStsPolicies left) {
        if (mtaSts == left) {
            mtaSts = null;
        }
    }

    /** The TLS-RPT recorder (optional): told how each TLS attempt to an MX host ended (RFC 8460). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    final void bindRecorder(TlsResultRecorder arrived) {
        recorder = arrived;
    }

    final void unbindRecorder(TlsResultRecorder left) {
        if (recorder == left) {
            recorder = null;
        }
    }

    @Deactivate
    final void deactivate() {
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

    /**
     * A configuration turned into settings (the supplier throws IllegalArgumentException naming the bad key).
     *
     * @param caFile extra trusted CA certificates (PEM) for TLS policy VERIFY, or {@code null}
     */
    record Configured(Settings settings, Path caFile) {
    }

    /** Settings with their TLS contexts made: what a client is started with. */
    record Prepared(Settings settings, TlsContexts tls) {
    }

    static String heloName(String configured) {
        return configured == null || configured.isBlank() ? HostName.local() : configured.trim();
    }

    static int millis(String key, int seconds) {
        ConfigProblem.between(key, seconds, 1, Integer.MAX_VALUE / 1000);
        return seconds * 1000;
    }

    static int positive(String key, int value) {
        return ConfigProblem.atLeast(key, value, 1);
    }
}
