package org.carrier.api.tls;

import java.util.concurrent.CompletionStage;

import org.carrier.api.route.RouteDecision;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The outbound TLS policy the SMTP transport would apply now, for the route report ("where would this address go?"
 * in the console and {@code carrier:route}): per next hop, DANE with which TLSA records, the domain's MTA-STS policy,
 * or the route's own setting, and why. It asks DNS (and the MTA-STS source) as a delivery would, so the answer is
 * what the next attempt does, not a guess.
 */
@ProviderType
public interface OutboundTlsPolicies {

    /**
     * The policy for each next hop of {@code decision} when delivering mail for {@code domain}. Never completes
     * exceptionally: a DNS failure is a host line saying so (and that the host would be skipped).
     *
     * @param domain   the recipient domain (the next-hop domain of RFC 7672 §3.2.2 and the MTA-STS policy domain)
     * @param decision the router's decision for a recipient of {@code domain}; a decision that is not remote gives a
     *                 report without hosts
     */
    CompletionStage<TlsPolicyReport> explain(String domain, RouteDecision decision);
}
