package org.carrier.api.tls;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The MTA-STS policy source (RFC 8461): discovers, fetches, validates and caches the policies of recipient domains.
 */
@ProviderType
public interface MtaStsPolicies {

    /**
     * The policy in force for a domain, as RFC 8461 §5.1 and §5.2 say a sending MTA applies it: the cached policy
     * while the {@code _mta-sts} TXT record's {@code id} is unchanged and it is within {@code max_age}; a new fetch when
     * the id changed; the cached policy, still, when the TXT lookup or the fetch fails, so that an attacker who blocks
     * either cannot turn an enforce policy off. Empty when the domain has no policy (and none is cached), or its mode
     * is {@code none}. Never completes exceptionally: a failure is logged and reported (TLS-RPT) by the source.
     */
    CompletionStage<Optional<MtaStsPolicy>> policy(String domain);

    /** The cached policy of a domain, without any lookup (for the route report); empty if none is cached. */
    Optional<MtaStsPolicy> cached(String domain);
}
