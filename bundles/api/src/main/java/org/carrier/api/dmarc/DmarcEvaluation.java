package org.carrier.api.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One DMARC evaluation, in the terms of the aggregate report (RFC 7489 Appendix C): a {@code record} row's source
 * IP, policy evaluated and authentication results, with the policy published by the domain. New facts (an ARC-based
 * override, say) come as {@link Reason}s, so the record stays as it is.
 *
 * @param sourceIp    the connecting client's address ({@code source_ip})
 * @param headerFrom  the From field's domain ({@code identifiers/header_from})
 * @param published   the policy record found and where ({@code policy_published})
 * @param disposition what was done to the message: none, quarantine or reject ({@code policy_evaluated/disposition})
 * @param dkimAligned whether a DKIM pass was aligned ({@code policy_evaluated/dkim} pass or fail)
 * @param spfAligned  whether an SPF pass was aligned ({@code policy_evaluated/spf})
 * @param reasons     why the disposition differs from the policy, if it does ({@code policy_evaluated/reason})
 * @param dkim        each DKIM signature's result ({@code auth_results/dkim})
 * @param spf         the SPF result ({@code auth_results/spf}): the MAIL FROM domain's, or HELO's when it was empty
 */
public record DmarcEvaluation(String sourceIp, String headerFrom, Published published, String disposition,
                              boolean dkimAligned, boolean spfAligned, List<Reason> reasons, List<Dkim> dkim, Spf spf) {
    public DmarcEvaluation {
        headerFrom = headerFrom.toLowerCase(Locale.ROOT);
        reasons = List.copyOf(reasons);
        dkim = List.copyOf(dkim);
    }

    /** The same evaluation with one more override reason. */
    public DmarcEvaluation withReason(Reason reason) {
        List<Reason> more = new ArrayList<>(reasons);
        more.add(reason);
        return new DmarcEvaluation(sourceIp, headerFrom, published, disposition, dkimAligned, spfAligned, more, dkim, spf);
    }

    /**
     * The published policy (RFC 7489 §6.3): the domain the record was found at (the From domain or its
     * organizational domain) and its tags, defaults filled in.
     *
     * @param rua the {@code rua} tag as published: where the report goes
     */
    public record Published(String domain, String p, String sp, int pct, boolean strictDkim, boolean strictSpf,
                            String fo, String rua) {
        public Published {
            domain = domain.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A policy override reason (RFC 7489 Appendix C {@code PolicyOverrideReason}).
     *
     * @param type    forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy or other
     * @param comment free text, or null
     */
    public record Reason(String type, String comment) {
    }

    /**
     * A DKIM result ({@code DKIMAuthResultType}).
     *
     * @param selector null when not known
     * @param result   none, pass, fail, policy, neutral, temperror or permerror
     */
    public record Dkim(String domain, String selector, String result) {
    }

    /**
     * The SPF result ({@code SPFAuthResultType}).
     *
     * @param scope  mfrom or helo
     * @param result none, neutral, pass, fail, softfail, temperror or permerror
     */
    public record Spf(String domain, String scope, String result) {
    }
}
