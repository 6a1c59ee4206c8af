package org.carrier.filter.dmarc.internal;

import java.util.List;
import java.util.Optional;

import org.carrier.api.filter.AuthResult;

/**
 * Which of the passing identities are aligned with the From domain (RFC 7489 §3.1): a DKIM pass whose {@code d=}
 * is, an SPF pass whose domain is. DMARC passes when either is; the aggregate report names both (Appendix C
 * {@code policy_evaluated/dkim}, {@code /spf}).
 */
record Alignment(boolean dkim, boolean spf) {

    static Alignment of(String domain, DmarcRecord record, List<AuthResult> results) {
        boolean dkim = false;
        boolean spf = false;
        for (AuthResult r : results) {
            if (!r.result().equals("pass")) {
                continue;
            }
            if (r.method().equals("dkim") && r.property("header.d")
                    .filter(d -> OrganizationalDomain.aligned(d, domain, record.strictDkim())).isPresent()) {
                dkim = true;
            }
            if (r.method().equals("spf") && spfDomain(r)
                    .filter(d -> OrganizationalDomain.aligned(d, domain, record.strictSpf())).isPresent()) {
                spf = true;
            }
        }
        return new Alignment(dkim, spf);
    }

    /** RFC 7489 §4.1: the MAIL FROM domain, or the HELO identity when MAIL FROM was empty. */
    static Optional<String> spfDomain(AuthResult spf) {
        return spf.property("smtp.mailfrom").or(() -> spf.property("smtp.helo")).map(s -> s.substring(s.lastIndexOf('@') + 1));
    }

    boolean passes() {
        return dkim || spf;
    }
}
