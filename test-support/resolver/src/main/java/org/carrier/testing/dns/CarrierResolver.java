package org.carrier.testing.dns;

import java.util.Map;

import org.carrier.api.dns.DnsResolver;
import org.carrier.dns.internal.DnsjavaResolver;
import org.carrier.testing.AnnotationConfig;

/**
 * Carrier's real DNS resolver (the dns bundle's component) made outside OSGi, for the tests of the bundles that ask
 * DNS: the router's MX routing and the filters, against {@link org.carrier.testing.NsdServer} or
 * {@link org.carrier.testing.WireDnsServer}. This is the one place outside the dns bundle that names its class, so
 * those tests see only the api's {@link DnsResolver}.
 */
public final class CarrierResolver {
    private CarrierResolver() {
    }

    /** A resolver configured as by an {@code org.carrier.dns.cfg} with these settings (defaults for the rest). */
    public static DnsResolver of(Map<String, ?> settings) {
        return new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class, settings));
    }

    /** A resolver asking only {@code servers} (the setting's form: {@code 127.0.0.1:port}), otherwise defaults. */
    public static DnsResolver at(String servers) {
        return of(Map.of("servers", servers));
    }
}
