package org.carrier.filter.dmarc.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DMARC policy record (RFC 7489 §6.3, §6.4) with the tags a receiver acts on.
 *
 * @param policy          {@code p=}
 * @param subdomainPolicy {@code sp=} (default p=)
 * @param nonexistentPolicy {@code np=} (DMARCbis) for From domains that do not exist, or {@code null} if not given
 * @param percent         {@code pct=} (default 100)
 * @param strictDkim      {@code adkim=s}
 * @param strictSpf       {@code aspf=s}
 * @param failureOptions  {@code fo=} (default 0), as published
 * @param rua             {@code rua=} as published, where aggregate reports go (§6.3), or {@code null}
 */
record DmarcRecord(Policy policy, Policy subdomainPolicy, Policy nonexistentPolicy, int percent, boolean strictDkim,
                   boolean strictSpf, String failureOptions, String rua) {

    /** The requested handling of mail that fails DMARC (RFC 7489 §6.3 p=). */
    enum Policy {
        NONE, QUARANTINE, REJECT;

        static Policy named(String value) {
            return value == null ? null : switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "quarantine" -> QUARANTINE;
                case "reject" -> REJECT;
                default -> null;
            };
        }

        String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The policy for mail from {@code fromDomain}, given where the record was found and whether the domain exists. */
    Policy policyFor(String fromDomain, String recordDomain, boolean fromDomainExists) {
        if (fromDomain.equals(recordDomain)) {
            return policy;
        }
        return !fromDomainExists && nonexistentPolicy != null ? nonexistentPolicy : subdomainPolicy;
    }

    /** Whether the domain asks for aggregate reports (RFC 7489 §7.2). */
    boolean wantsReports() {
        return rua != null;
    }

    /** Whether a TXT record is meant as a DMARC record (RFC 7489 §6.6.3 step 3: it starts with "v=DMARC1"). */
    static boolean isDmarc(String txt) {
        return txt.strip().matches("(?s)v\\s*=\\s*DMARC1\\s*(;.*)?");
    }

    /**
     * Parses a record. RFC 7489 §6.6.3 step 6: a missing or invalid p= with a valid rua= is read as p=none; without
     * rua= the record is not usable (empty). Unknown tags are ignored (§6.3), invalid values of the others too.
     */
    static Optional<DmarcRecord> parse(String txt) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String spec : txt.split(";")) {
            int eq = spec.indexOf('=');
            if (eq > 0) {
                tags.putIfAbsent(spec.substring(0, eq).strip().toLowerCase(Locale.ROOT), spec.substring(eq + 1).strip());
            }
        }
        Policy p = Policy.named(tags.get("p"));
        if (p == null) {
            if (tags.get("rua") == null || tags.get("rua").isEmpty()) {
                return Optional.empty();
            }
            p = Policy.NONE;
        }
        Policy sp = Optional.ofNullable(Policy.named(tags.get("sp"))).orElse(p);
        Policy np = Policy.named(tags.get("np"));
        String rua = tags.get("rua");
        return Optional.of(new DmarcRecord(p, sp, np, percent(tags.get("pct")),
                "s".equalsIgnoreCase(tags.get("adkim")), "s".equalsIgnoreCase(tags.get("aspf")),
                tags.getOrDefault("fo", "0"), rua == null || rua.isEmpty() ? null : rua));
    }

    private static int percent(String value) {
        if (value == null || !value.matches("[0-9]{1,3}")) {
            return 100;
        }
        return Math.min(100, Integer.parseInt(value));
    }
}
