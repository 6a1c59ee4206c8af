package org.carrier.filter.dmarc.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.message.Envelope;
import org.carrier.filter.dmarc.internal.DmarcRecord.Policy;

/** What the filter decided about one message, turned into the aggregate report's terms (RFC 7489 Appendix C). */
record Evaluation(String headerFrom, PolicyDiscovery.Found found, Alignment alignment, List<AuthResult> results,
                  Policy disposition, List<DmarcEvaluation.Reason> reasons) {

    /**
     * A failing message: the disposition is what was done to it, and a reason says why that differs from the
     * requested policy: {@code sampled_out} by {@code pct=} (§6.6.4), {@code local_policy} by a configured action
     * that is milder (or stricter) than the policy.
     */
    static Evaluation failed(String headerFrom, PolicyDiscovery.Found found, Alignment alignment, List<AuthResult> results,
                             Policy requested, Policy applied, PolicyAction action) {
        List<DmarcEvaluation.Reason> reasons = new ArrayList<>();
        if (applied != requested) {
            reasons.add(new DmarcEvaluation.Reason("sampled_out", "pct=" + found.record().percent()));
        }
        Policy done = disposition(action);
        if (done != applied) {
            reasons.add(new DmarcEvaluation.Reason("local_policy", "p=" + applied.keyword() + " handled as "
                    + action.name().toLowerCase(Locale.ROOT)));
        }
        return new Evaluation(headerFrom, found, alignment, results, done, reasons);
    }

    /** What an action did to the message, as a disposition: refused, kept aside or tagged, or delivered. */
    private static Policy disposition(PolicyAction action) {
        return switch (action) {
            case REJECT, TEMPFAIL -> Policy.REJECT;
            case HOLD, TAG -> Policy.QUARANTINE;
            case ACCEPT -> Policy.NONE;
        };
    }

    DmarcEvaluation toRecord(InetSocketAddress client, Envelope envelope) {
        DmarcRecord record = found.record();
        DmarcEvaluation.Published published = new DmarcEvaluation.Published(found.domain(), record.policy().keyword(),
                record.subdomainPolicy().keyword(), record.percent(), record.strictDkim(), record.strictSpf(),
                record.failureOptions(), record.rua());
        return new DmarcEvaluation(address(client), headerFrom, published, disposition.keyword(), alignment.dkim(),
                alignment.spf(), reasons, dkim(), spf(envelope));
    }

    private static String address(InetSocketAddress client) {
        String ip = client.getAddress() == null ? client.getHostString() : client.getAddress().getHostAddress();
        int scope = ip.indexOf('%');
        return scope < 0 ? ip : ip.substring(0, scope);
    }

    /** Each DKIM signature's result; "dkim=none" (no signature) is none at all. */
    private List<DmarcEvaluation.Dkim> dkim() {
        List<DmarcEvaluation.Dkim> dkim = new ArrayList<>();
        for (AuthResult r : results) {
            if (r.method().equals("dkim") && r.property("header.d").isPresent()) {
                dkim.add(new DmarcEvaluation.Dkim(r.property("header.d").get(), r.property("header.s").orElse(null), r.result()));
            }
        }
        return dkim;
    }

    /** The SPF result; without one (no SPF filter), none for the MAIL FROM domain, as the schema wants one. */
    private DmarcEvaluation.Spf spf(Envelope envelope) {
        for (AuthResult r : results) {
            if (r.method().equals("spf")) {
                String scope = r.property("smtp.mailfrom").isPresent() ? "mfrom" : "helo";
                return new DmarcEvaluation.Spf(Alignment.spfDomain(r).orElse(""), scope, r.result());
            }
        }
        String sender = envelope.reversePath().isNullSender() ? headerFrom : envelope.reversePath().domain();
        return new DmarcEvaluation.Spf(sender, "mfrom", "none");
    }
}
