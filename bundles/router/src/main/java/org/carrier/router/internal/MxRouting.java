package org.carrier.router.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.DnsWait;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TransportOptions;

/**
 * MX routing (RFC 5321 §5.1, RFC 7505): the next hops for a domain are its MX hosts, lowest preference first and in
 * random order among equal preferences, each with its addresses; without MX records the domain itself (implicit MX).
 * {@link #route} waits for DNS, at most {@code maxWait}; the resolver normally gives up earlier by itself.
 */
final class MxRouting {
    /** The transport that delivers to MX hosts. */
    static final String SMTP = "smtp";

    private final Supplier<DnsResolver> resolver;
    private final Set<String> ownNames;
    private final Duration maxWait;

    MxRouting(Supplier<DnsResolver> resolver, Set<String> ownNames, Duration maxWait) {
        this.resolver = resolver;
        this.ownNames = ownNames.stream().map(MxRouting::normalise).collect(Collectors.toUnmodifiableSet());
        this.maxWait = maxWait;
    }

    RouteDecision route(String routeName, MailAddress recipient, int port, TransportOptions options) {
        DnsResolver dns = resolver.get();
        String domain = recipient.domain();
        if (dns == null) {
            return RouteDecision.refused(routeName, new SmtpReply(451, "4.4.3", "no DNS resolver available"));
        }
        List<MxRecord> records;
        try {
            records = await(dns.mx(domain));
        } catch (DnsLookupException e) {
            return switch (e.kind()) {
                case NO_DATA -> implicitMx(routeName, dns, domain, port, options);
                // RFC 3463 §3.2: X.1.2 "Bad destination system address".
                case NAME_NOT_FOUND -> RouteDecision.refused(routeName, new SmtpReply(550, "5.1.2", "domain " + domain + " does not exist"));
                // RFC 3463 §3.5: X.4.3 "Directory server failure": try again later.
                case TEMPORARY -> RouteDecision.refused(routeName, new SmtpReply(451, "4.4.3", "DNS lookup for " + domain + " failed: " + e.getMessage()));
            };
        }
        List<MxRecord> usable = records.stream().filter(r -> !r.isNullMx()).toList();
        if (usable.isEmpty()) {
            // RFC 7505 §4.1: a null MX says the domain accepts no mail; 556 5.1.10 per RFC 7505 §4.2 / RFC 7504.
            return RouteDecision.refused(routeName, new SmtpReply(556, "5.1.10", "domain " + domain + " accepts no mail (null MX)"));
        }
        List<MxRecord> candidates = withoutOurselves(usable);
        if (candidates.isEmpty()) {
            // RFC 5321 §5.1: we are the best MX ourselves, so there is no one to pass the mail to.
            return RouteDecision.refused(routeName, new SmtpReply(554, "5.4.6", "mail for " + domain + " loops back to myself (MX)"));
        }
        return hops(routeName, dns, domain, ordered(candidates), port, options);
    }

    /** RFC 5321 §5.1: without MX records, the domain's own address records act as an MX of preference 0. */
    private RouteDecision implicitMx(String routeName, DnsResolver dns, String domain, int port, TransportOptions options) {
        return hops(routeName, dns, domain, List.of(domain), port, options);
    }

    private RouteDecision hops(String routeName, DnsResolver dns, String domain, List<String> hosts, int port,
                               TransportOptions options) {
        Map<String, CompletionStage<List<InetAddress>>> lookups = new LinkedHashMap<>();
        hosts.forEach(h -> lookups.put(h, dns.addresses(h)));
        List<NextHop> hops = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean temporary = false;
        for (Map.Entry<String, CompletionStage<List<InetAddress>>> lookup : lookups.entrySet()) {
            try {
                hops.add(new NextHop(lookup.getKey(), port, await(lookup.getValue())));
            } catch (DnsLookupException e) {
                // RFC 5321 §5.1: a host without addresses is skipped; the others may still take the mail.
                temporary |= e.kind() == Kind.TEMPORARY;
                problems.add(e.getMessage());
            }
        }
        if (!hops.isEmpty()) {
            return RouteDecision.remote(routeName, SMTP, hops, options);
        }
        if (temporary) {
            return RouteDecision.refused(routeName, new SmtpReply(451, "4.4.3", "no address for the mail hosts of " + domain + " yet: " + problems));
        }
        // RFC 3463 §3.5: X.4.4 "Unable to route".
        return RouteDecision.refused(routeName, new SmtpReply(550, "5.4.4", "no mail host of " + domain + " has an address: " + problems));
    }

    /** RFC 5321 §5.1: if we are in the list, only hosts preferred over (lower than) our own best entry remain. */
    private List<MxRecord> withoutOurselves(List<MxRecord> records) {
        int ours = records.stream().filter(r -> ownNames.contains(normalise(r.host()))).mapToInt(MxRecord::preference)
                .min().orElse(Integer.MAX_VALUE);
        return records.stream().filter(r -> r.preference() < ours).toList();
    }

    /** Lowest preference first; equal preferences in random order, to spread the load (RFC 5321 §5.1). */
    static List<String> ordered(List<MxRecord> records) {
        Map<Integer, List<String>> byPreference = new TreeMap<>();
        for (MxRecord r : records) {
            byPreference.computeIfAbsent(r.preference(), p -> new ArrayList<>()).add(r.host());
        }
        List<String> hosts = new ArrayList<>();
        for (List<String> same : byPreference.values()) {
            Collections.shuffle(same);
            same.stream().filter(h -> !hosts.contains(h)).forEach(hosts::add);
        }
        return hosts;
    }

    private <T> T await(CompletionStage<T> stage) throws DnsLookupException {
        return DnsWait.await(stage, maxWait, null);
    }

    private static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
