package org.carrier.admin.internal.overview;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.HostAddresses;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.carrier.api.tls.TlsPolicyReport;

/**
 * Answers "where would this address go?" for the console and the shell: asks the {@link Router} (the same call the
 * queue makes at each delivery attempt, so the answer includes the next hops' resolved addresses) and, when the
 * matching route is an mx route, asks the {@link DnsResolver} for the MX records behind those hosts. For mail the
 * SMTP transport would send, it asks the {@link OutboundTlsPolicies} service which TLS policy each next hop gets and
 * why (issue 16: DANE with which records, the domain's MTA-STS policy and its age, or the route's {@code tls}).
 */
public final class RouteInspector {
    /** RFC 5321 §5.1: without MX records the domain itself is the one host, with preference 0. */
    /** The transport whose TLS policy the report shows. */
    static final String SMTP = "smtp";
    static final String NO_MX = "no MX records: the domain's own address is used (RFC 5321 §5.1)";
    private final Router router;
    private final DnsResolver dns;
    private final Function<String, Optional<String>> transportOfRoute;
    private final Duration dnsWait;
    private final OutboundTlsPolicies tlsPolicies;

    /**
     * @param router           the router service
     * @param dns              the resolver, or {@code null} when none is running (no MX records are shown then)
     * @param transportOfRoute the transport configured for a route name, e.g. {@link RouteConfigurations#transportOf}
     * @param dnsWait          how long to wait for the MX answer
     */
    public RouteInspector(Router router, DnsResolver dns, Function<String, Optional<String>> transportOfRoute, Duration dnsWait) {
        this(router, dns, transportOfRoute, dnsWait, null);
    }

    /**
     * @param tlsPolicies the SMTP delivery's TLS policy service, or {@code null} when none is running (the report then
     *                    says the policy is not known)
     */
    public RouteInspector(Router router, DnsResolver dns, Function<String, Optional<String>> transportOfRoute, Duration dnsWait,
                          OutboundTlsPolicies tlsPolicies) {
        this.router = router;
        this.dns = dns;
        this.transportOfRoute = transportOfRoute;
        this.dnsWait = dnsWait;
        this.tlsPolicies = tlsPolicies;
    }

    /** The route report of {@code address}; a refused address gets a report too (its decision carries the reply). */
    public RouteReport inspect(MailAddress address) {
        RouteReport report = mx(address);
        return report.decision().destination() == Destination.REMOTE ? withTls(withHopAddresses(report)) : report;
    }

    /** The TLS policy of mail the {@code smtp} transport sends; LMTP and local delivery have none to show. */
    private RouteReport withTls(RouteReport report) {
        if (!SMTP.equals(report.decision().transport())) {
            return report;
        }
        if (tlsPolicies == null) {
            return report.withTls(null, "not known: the SMTP delivery (bundle org.carrier.delivery.smtp) is not running");
        }
        try {
            TlsPolicyReport policy = tlsPolicies.explain(report.address().domain(), report.decision()).toCompletableFuture()
                    .get(dnsWait.toMillis(), TimeUnit.MILLISECONDS);
            return report.withTls(policy, null);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return report.withTls(null, "not known: " + cause);
        } catch (TimeoutException e) {
            return report.withTls(null, "not known: no answer within " + dnsWait.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return report.withTls(null, "not known: interrupted");
        }
    }

    /**
     * The report with the addresses of next hops named in the route (smtp, lmtp routes), found as the SMTP and LMTP
     * clients find them at delivery ({@link HostAddresses}: the DNS resolver service), or why there are none.
     */
    private RouteReport withHopAddresses(RouteReport report) {
        RouteDecision decision = report.decision();
        List<NextHop> hops = new ArrayList<>();
        Map<NextHop, String> problems = new LinkedHashMap<>();
        for (NextHop hop : decision.nextHops()) {
            if (!hop.addresses().isEmpty() || hop.host().startsWith("/")) {
                hops.add(hop); // resolved by the router (MX hosts), or a Unix socket
                continue;
            }
            try {
                hops.add(hop.withAddresses(HostAddresses.of(hop.host(), dns, dnsWait)));
            } catch (DnsLookupException e) {
                hops.add(hop);
                problems.put(hop, e.getMessage());
            }
        }
        RouteDecision resolved = RouteDecision.remote(decision.routeName(), decision.transport(), hops, decision.options());
        return new RouteReport(report.address(), resolved, report.routeTransport(), report.mxRecords(), report.mxProblem(),
                problems, report.tls(), report.tlsProblem());
    }

    private RouteReport mx(MailAddress address) {
        var decision = router.route(address);
        String transport = transportOfRoute.apply(decision.routeName()).orElse(null);
        if (!RouteReport.MX.equals(transport) || decision.destination() == Destination.LOCAL) {
            return new RouteReport(address, decision, transport, List.of(), null);
        }
        if (dns == null) {
            return new RouteReport(address, decision, transport, List.of(), "no DNS resolver running");
        }
        try {
            List<MxRecord> records = dns.mx(address.domain()).toCompletableFuture().get(dnsWait.toMillis(), TimeUnit.MILLISECONDS);
            return new RouteReport(address, decision, transport, records, records.isEmpty() ? NO_MX : null);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            boolean noData = cause instanceof DnsLookupException lookup && lookup.kind() == DnsLookupException.Kind.NO_DATA;
            return new RouteReport(address, decision, transport, List.of(), noData ? NO_MX : String.valueOf(cause.getMessage()));
        } catch (TimeoutException e) {
            return new RouteReport(address, decision, transport, List.of(), "no DNS answer within " + dnsWait.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RouteReport(address, decision, transport, List.of(), "interrupted");
        }
    }
}
