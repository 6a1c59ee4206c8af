package org.carrier.admin.internal.shell;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.carrier.admin.internal.overview.FilterInventory;
import org.carrier.admin.internal.overview.RouteConfigurations;
import org.carrier.admin.internal.overview.RouteInspector;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.MailAddress;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.route.Router;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * {@code carrier:route ADDRESS} (where mail for an address goes now: route, MX records, next hops and their addresses,
 * the TLS policy each next hop gets;
 * Postfix's {@code postmap -q} on the transport map, plus the DNS part) and {@code carrier:filters} (the filter chain
 * with its verdict counts).
 */
@Component(service = RoutingCommands.class, property = {
        "osgi.command.scope=carrier", "osgi.command.function=route", "osgi.command.function=filters"})
public class RoutingCommands {
    /** At most this long for the MX answer; the resolver's own timeout is normally shorter. */
    private static final Duration DNS_WAIT = Duration.ofSeconds(20);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<MetricSource> metrics = List.of();
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Router router;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile DnsResolver dns;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile OutboundTlsPolicies tlsPolicies;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime components;
    private BundleContext context;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
    }

    /** Where mail for {@code address} would go now. */
    public String route(String address) {
        Router current = router;
        if (current == null) {
            throw new CommandFailure("the router is not running (bundle org.carrier.router)");
        }
        MailAddress parsed;
        try {
            parsed = MailAddress.parse(address.startsWith("<") && address.endsWith(">") ? address.substring(1, address.length() - 1) : address);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("not a mail address: " + address + " (" + e.getMessage() + ")");
        }
        if (parsed.isNullSender()) {
            throw new CommandFailure("give an address, e.g. carrier:route bob@example.com");
        }
        ConfigurationAdmin admin = configAdmin;
        RouteInspector inspector = new RouteInspector(current, dns,
                admin == null ? name -> Optional.empty() : new RouteConfigurations(admin)::transportOf, DNS_WAIT, tlsPolicies);
        return OverviewText.route(inspector.inspect(parsed));
    }

    /** The SMTP filters in chain order, with their verdict counts. */
    public String filters() {
        return OverviewText.filters(FilterInventory.of(context, metrics, components));
    }
}
