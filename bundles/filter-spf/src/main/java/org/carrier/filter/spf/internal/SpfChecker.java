package org.carrier.filter.spf.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.net.IpNetwork;
import org.carrier.filter.spf.internal.SpfRecord.Directive;

/**
 * check_host() of RFC 7208 §4 over the {@link DnsResolver} service: record selection, every mechanism and modifier,
 * macros, and the processing limits of §4.6.4. Thread-safe; each check keeps its counters in its own
 * {@link Evaluation}.
 */
public final class SpfChecker {
    /** RFC 7208 §4.6.4: at most 10 terms that query DNS, 2 void lookups, 10 MX or PTR names per mechanism. */
    static final int MAX_DNS_TERMS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_NAMES = 10;

    /**
     * How checks are done.
     *
     * @param lookupTimeout      the longest wait for one DNS answer
     * @param checkTimeout       the longest a whole check may take (RFC 7208 §4.6.4: at least 20 s), then temperror
     * @param receiver           this host's name, the {@code %{r}} macro (RFC 7208 §7.2)
     * @param defaultExplanation the explanation of a fail when the domain gives none; a macro-string
     */
    public record Settings(Duration lookupTimeout, Duration checkTimeout, String receiver, String defaultExplanation) {
    }

    private final DnsResolver dns;
    private final Settings settings;

    public SpfChecker(DnsResolver dns, Settings settings) {
        this.dns = dns;
        this.settings = settings;
    }

    /**
     * check_host(ip, domain, sender) of RFC 7208 §4.
     *
     * @param ip     the SMTP client's address
     * @param domain the domain to check: the MAIL FROM domain or the HELO name
     * @param sender the MAIL FROM address, or {@code postmaster@<helo>} for the HELO identity (RFC 7208 §2.4);
     *               an address without local part gets "postmaster" (RFC 7208 §4.3)
     * @param helo   the HELO/EHLO name, for the {@code %{h}} macro
     */
    public SpfOutcome checkHost(InetAddress ip, String domain, String sender, String helo) {
        Evaluation evaluation = new Evaluation(Addresses.normalize(ip), sender, helo == null ? "" : helo,
                System.nanoTime() + settings.checkTimeout().toNanos());
        String name = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        // RFC 7208 §4.3: a malformed domain, or one that is not fully qualified, gives "none" without any lookup.
        if (!name.contains(".") || Names.valid(name) == null) {
            return SpfOutcome.none(domain, "not a fully qualified domain name: " + domain);
        }
        try {
            return evaluation.evaluate(name, true);
        } catch (SpfException e) {
            return SpfOutcome.error(e, name);
        }
    }

    /** The state of one check: the values of the macros and the counters of RFC 7208 §4.6.4. */
    private final class Evaluation {
        private final InetAddress ip;
        private final String sender;
        private final String localPart;
        private final String senderDomain;
        private final String helo;
        private final long deadline;
        private int dnsTerms;
        private int voidLookups;

        Evaluation(InetAddress ip, String sender, String helo, long deadline) {
            this.ip = ip;
            int at = sender.lastIndexOf('@');
            this.localPart = at <= 0 ? "postmaster" : sender.substring(0, at);
            this.senderDomain = sender.substring(at + 1);
            this.sender = localPart + "@" + senderDomain;
            this.helo = helo;
            this.deadline = deadline;
        }

        /**
         * check_host() for one domain; include and redirect come back here. {@code explain}: whether a fail needs its
         * explanation (RFC 7208 §6.2: not for the records of include, whose exp= is never used).
         */
        SpfOutcome evaluate(String domain, boolean explain) throws SpfException {
            SpfRecord record = find(domain);
            if (record == null) {
                return SpfOutcome.none(domain, "no SPF record for " + domain);
            }
            for (Directive directive : record.directives()) {
                if (directive.mechanism().queriesDns()) {
                    countDnsTerm();
                }
                if (matches(directive.mechanism(), domain)) {
                    String explanation = explain && directive.result() == SpfResult.FAIL ? explain(record, domain) : null;
                    return new SpfOutcome(directive.result(), domain, directive.text(), explanation, null);
                }
            }
            if (record.redirect() != null) {
                // RFC 7208 §6.1: after all mechanisms, the redirect target's result is the result; its "none" is a permerror.
                countDnsTerm();
                String target = Names.valid(expand(record.redirect(), domain));
                SpfOutcome outcome = target == null ? null : evaluate(target, explain);
                if (outcome == null || outcome.result() == SpfResult.NONE) {
                    throw SpfException.permanent("redirect=" + record.redirect() + " has no SPF record");
                }
                return outcome;
            }
            // RFC 7208 §4.7: no match and no redirect: neutral.
            return new SpfOutcome(SpfResult.NEUTRAL, domain, "default", null, null);
        }

        /** RFC 7208 §4.5: exactly one TXT record starting with "v=spf1"; none: null; more: permerror. */
        private SpfRecord find(String domain) throws SpfException {
            List<String> spf = query(dns.txt(domain), domain + " TXT").stream().filter(SpfRecord::isSpf).toList();
            if (spf.size() > 1) {
                throw SpfException.permanent(domain + " has " + spf.size() + " SPF records");
            }
            return spf.isEmpty() ? null : SpfRecord.parse(spf.get(0));
        }

        private boolean matches(SpfRecord.Mechanism mechanism, String domain) throws SpfException {
            if (mechanism instanceof SpfRecord.Ip network) {
                return network.network().contains(ip);
            } else if (mechanism instanceof SpfRecord.Include include) {
                return included(include, domain);
            } else if (mechanism instanceof SpfRecord.A a) {
                return matchesHost(target(a.domain(), domain), a.cidr4(), a.cidr6(), true);
            } else if (mechanism instanceof SpfRecord.Mx mx) {
                return matchesMx(target(mx.domain(), domain), mx.cidr4(), mx.cidr6());
            } else if (mechanism instanceof SpfRecord.Ptr ptr) {
                return matchesPtr(target(ptr.domain(), domain));
            } else if (mechanism instanceof SpfRecord.Exists exists) {
                return exists(target(exists.domain(), domain));
            }
            return mechanism instanceof SpfRecord.All;
        }

        /** RFC 7208 §5.2: pass matches; fail, softfail, neutral do not; none is a permerror; errors carry on. */
        private boolean included(SpfRecord.Include include, String domain) throws SpfException {
            String target = target(include.domain(), domain);
            SpfOutcome inner = target == null ? null : evaluate(target, false);
            if (inner == null || inner.result() == SpfResult.NONE) {
                throw SpfException.permanent("include:" + include.domain() + " has no SPF record");
            }
            return inner.result() == SpfResult.PASS;
        }

        /** RFC 7208 §5.3: an address record of the client's family within the CIDR length. */
        private boolean matchesHost(String host, int cidr4, int cidr6, boolean countVoid) throws SpfException {
            if (host == null) {
                return false;
            }
            List<InetAddress> addresses = addresses(host);
            if (addresses.isEmpty() && countVoid) {
                countVoidLookup(host);
            }
            int prefix = ip instanceof Inet4Address ? cidr4 : cidr6;
            // An address of the other family never matches, and the prefix of the client's family may not fit it.
            return addresses.stream().anyMatch(a -> sameFamily(a, ip) && IpNetwork.of(a, prefix).contains(ip));
        }

        private static boolean sameFamily(InetAddress a, InetAddress b) {
            return a.getAddress().length == b.getAddress().length;
        }

        /** RFC 7208 §5.4: the addresses of the MX hosts, in order of preference; more than 10 MX names is a permerror. */
        private boolean matchesMx(String domain, int cidr4, int cidr6) throws SpfException {
            if (domain == null) {
                return false;
            }
            List<MxRecord> mx = query(dns.mx(domain), domain + " MX");
            if (mx.isEmpty()) {
                countVoidLookup(domain);
                return false;
            }
            if (mx.size() > MAX_NAMES) {
                throw SpfException.permanent(domain + " has more than " + MAX_NAMES + " MX records");
            }
            for (MxRecord record : mx.stream().sorted(Comparator.comparingInt(MxRecord::preference)).toList()) {
                // RFC 7505: the null MX names no host.
                if (!record.isNullMx() && matchesHost(record.host(), cidr4, cidr6, false)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * RFC 7208 §5.5: a validated name of the client (reverse then forward lookup) in the target domain. Errors
         * of the PTR lookup mean no match; names whose lookup fails are skipped; only the first 10 names count.
         */
        private boolean matchesPtr(String target) throws SpfException {
            if (target == null) {
                return false;
            }
            List<String> names = reverseNames(true);
            for (String name : names) {
                if (Names.within(name, target) && validated(name)) {
                    return true;
                }
            }
            return false;
        }

        /** RFC 7208 §5.7: any A record, whatever the client's family. */
        private boolean exists(String name) throws SpfException {
            if (name == null) {
                return false;
            }
            if (query(dns.ipv4Addresses(name), name + " A").isEmpty()) {
                countVoidLookup(name);
                return false;
            }
            return true;
        }

        /** The first 10 PTR names of the client; errors give none (RFC 7208 §5.5). */
        private List<String> reverseNames(boolean countVoid) throws SpfException {
            List<String> names;
            try {
                names = query(dns.ptr(ip), "PTR of " + ip.getHostAddress());
            } catch (SpfException e) {
                if (e.result() == SpfResult.TEMPERROR && remainingNanos() > 0) {
                    return List.of();
                }
                throw e;
            }
            if (names.isEmpty() && countVoid) {
                countVoidLookup("PTR of " + ip.getHostAddress());
            }
            return names.size() > MAX_NAMES ? names.subList(0, MAX_NAMES) : names;
        }

        private boolean validated(String name) {
            try {
                return addresses(name).contains(ip);
            } catch (SpfException e) {
                return false;
            }
        }

        private List<InetAddress> addresses(String host) throws SpfException {
            return ip instanceof Inet4Address ? query(dns.ipv4Addresses(host), host + " A")
                    : query(dns.ipv6Addresses(host), host + " AAAA");
        }

        /**
         * RFC 7208 §7.3 p: a validated name of the client, preferably the domain itself, then one of its subdomains,
         * else any; "unknown" when there is none.
         */
        private String validatedName(String domain) throws SpfException {
            List<String> names = reverseNames(false);
            Comparator<String> preference = Comparator.comparingInt(n -> n.equalsIgnoreCase(domain) ? 0 : Names.within(n, domain) ? 1 : 2);
            return names.stream().sorted(preference).filter(this::validated).findFirst().orElse("unknown");
        }

        /**
         * RFC 7208 §6.2: the explanation of a fail, from the TXT record exp= names, with macros (c, r, t allowed).
         * Any problem (no or several records, DNS error, bad syntax, non-ASCII) means the default explanation.
         */
        private String explain(SpfRecord record, String domain) {
            if (record.explanation() != null) {
                try {
                    String name = Names.valid(expand(record.explanation(), domain));
                    List<String> txt = name == null ? List.of() : query(dns.txt(name), name + " TXT");
                    if (txt.size() == 1) {
                        return expand(MacroString.explanation(txt.get(0)), domain);
                    }
                } catch (SpfException e) {
                    // proceed as if no exp modifier was given
                }
            }
            try {
                return expand(MacroString.explanation(settings.defaultExplanation()), domain);
            } catch (SpfException e) {
                return settings.defaultExplanation();
            }
        }

        private String target(MacroString spec, String domain) throws SpfException {
            return spec == null ? domain : Names.valid(expand(spec, domain));
        }

        private String expand(MacroString macros, String domain) throws SpfException {
            return macros.expand(letter -> switch (letter) {
                case 's' -> sender;
                case 'l' -> localPart;
                case 'o' -> senderDomain;
                case 'd' -> domain;
                case 'i' -> Names.dotted(ip);
                case 'v' -> ip instanceof Inet4Address ? "in-addr" : "ip6";
                case 'h' -> helo;
                case 'c' -> Names.readable(ip);
                case 'r' -> settings.receiver();
                case 't' -> Long.toString(System.currentTimeMillis() / 1000);
                case 'p' -> validatedName(domain);
                default -> throw SpfException.permanent("unknown macro letter " + letter);
            });
        }

        private void countDnsTerm() throws SpfException {
            if (++dnsTerms > MAX_DNS_TERMS) {
                throw SpfException.permanent("more than " + MAX_DNS_TERMS + " DNS-querying terms (RFC 7208 §4.6.4)");
            }
        }

        private void countVoidLookup(String what) throws SpfException {
            if (++voidLookups > MAX_VOID_LOOKUPS) {
                throw SpfException.permanent("more than " + MAX_VOID_LOOKUPS + " void lookups (RFC 7208 §4.6.4), last " + what);
            }
        }

        /**
         * The records of one lookup: empty when the name or the records do not exist (a void lookup); temperror when
         * no answer came (RFC 7208 §2.6.6), at the latest when the check's own time is up (RFC 7208 §4.6.4).
         */
        private <T> List<T> query(CompletionStage<List<T>> lookup, String what) throws SpfException {
            long wait = Math.min(settings.lookupTimeout().toNanos(), remainingNanos());
            try {
                if (wait <= 0) {
                    throw new TimeoutException();
                }
                return lookup.toCompletableFuture().get(wait, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof DnsLookupException d && d.kind() != DnsLookupException.Kind.TEMPORARY) {
                    return List.of();
                }
                throw SpfException.temporary("DNS lookup of " + what + " failed: " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw SpfException.temporary("DNS lookup of " + what + " timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SpfException.temporary("interrupted during the DNS lookup of " + what);
            }
        }

        private long remainingNanos() {
            return deadline - System.nanoTime();
        }
    }
}
