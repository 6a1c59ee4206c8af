package org.carrier.delivery.smtp.internal.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.TlsaRecord;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.tls.MtaStsPolicies;
import org.carrier.api.tls.MtaStsPolicy;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.carrier.api.tls.TlsPolicyReport;
import org.carrier.api.tls.TlsPolicyReport.HostTlsPolicy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The route report's view of the outbound TLS policy ({@link OutboundTlsPolicies}): the same {@link TlsPolicyDecision}
 * a delivery makes, per next hop, without connecting. It runs on a thread of its own, since it waits for DNS.
 */
@Component(service = OutboundTlsPolicies.class)
public class OutboundTlsReport implements OutboundTlsPolicies {
    private static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private volatile DnsResolver resolver;
    private volatile MtaStsPolicies mtaSts;
    private final TlsPolicyDecision decision = new TlsPolicyDecision(() -> resolver, () -> mtaSts, MAX_WAIT);
    private ExecutorService worker;

    @Activate
    void start() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "carrier-tls-policy-report");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Deactivate
    void stop() {
        worker.shutdownNow();
    }

    @Override
    public CompletionStage<TlsPolicyReport> explain(String domain, RouteDecision route) {
        return CompletableFuture.supplyAsync(() -> report(domain, route), worker);
    }

    /** The report, made on the calling thread (for tests and the worker). */
    TlsPolicyReport report(String domain, RouteDecision route) {
        String lower = domain.toLowerCase(Locale.ROOT);
        List<HostTlsPolicy> hosts = new ArrayList<>();
        MtaStsPolicy sts = null;
        if (route.destination() == Destination.REMOTE) {
            for (NextHop hop : route.nextHops()) {
                EffectiveTlsPolicy policy = decision.decide(lower, hop, route.options(), TlsDemand.ROUTE, false);
                sts = sts != null ? sts : policy.mtaSts();
                hosts.add(new HostTlsPolicy(hop.host(), policy.enforcement(),
                        policy.tlsa().stream().map(TlsaRecord::toString).toList(), policy.reason()));
            }
        }
        MtaStsPolicies source = mtaSts;
        if (sts == null && source != null && route.options().mxHosts()) {
            sts = source.cached(lower).orElse(null);
        }
        return new TlsPolicyReport(lower, route.options().tls(), sts, hosts);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResolver(DnsResolver arrived) {
        resolver = arrived;
    }

    void unbindResolver(DnsResolver left) {
        if (resolver == left) {
            resolver = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMtaSts(MtaStsPolicies arrived) {
        mtaSts = arrived;
    }

    void unbindMtaSts(MtaStsPolicies left) {
        if (mtaSts == left) {
            mtaSts = null;
        }
    }
}
