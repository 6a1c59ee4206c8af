package org.carrier.router.internal;

import org.carrier.api.message.MailAddress;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SRS on the outbound stage: mail that an alias of ours forwards to another domain leaves with the sender rewritten to
 * an SRS address at the forwarding domain, so that the next hop's SPF check (RFC 7208 §2.4: it checks the MAIL FROM
 * domain against the connecting host) sees our domain, which authorizes us, instead of the original sender's, which
 * does not. Not rewritten: the null sender (a bounce), senders at our own domains (their SPF names us already) or at
 * an excluded domain, a quoted local part (it cannot be carried inside another local part), and mail no alias
 * forwarded. The outbound stage runs for remote deliveries only, so local deliveries keep the original sender.
 */
@Component(service = OutboundFilter.class, property = {OutboundFilter.NAME + "=srs",
        // before the signers and sealers (which do not cover the envelope): the order only matters for the logs
        Constants.SERVICE_RANKING + ":Integer=1000"})
public class SrsOutboundFilter implements OutboundFilter {
    private static final Logger LOG = LoggerFactory.getLogger(SrsOutboundFilter.class);

    private final SenderRewriting rewriting;
    private final OurDomains ours;

    @Activate
    public SrsOutboundFilter(@Reference SenderRewriting rewriting, @Reference OurDomains ours) {
        this.rewriting = rewriting;
        this.ours = ours;
    }

    @Override
    public OutboundResult filter(OutboundMessage message) {
        SrsSettings settings = rewriting.settings();
        MailAddress sender = message.envelope().reversePath();
        if (settings == null || !settings.enabled() || !message.forwarded() || message.forwardedBy().isEmpty()
                || !rewritable(sender, settings)) {
            return OutboundResult.unchanged();
        }
        String forwarder = settings.forwardingDomain().isEmpty() ? domainOf(message.forwardedBy().get(0)) : settings.forwardingDomain();
        MailAddress rewritten = settings.codec().forward(sender, forwarder);
        LOG.info("{}: SRS: sender <{}> sent as <{}> (forwarded by {})", message.queueId(), sender, rewritten,
                String.join(", ", message.forwardedBy()));
        return OutboundResult.reversePath(rewritten);
    }

    private boolean rewritable(MailAddress sender, SrsSettings settings) {
        if (sender == null || sender.isNullSender() || sender.localPart().startsWith("\"")) {
            return false;
        }
        String domain = sender.domain();
        return !ours.isOurs(domain) && !settings.excludedDomains().contains(domain);
    }

    private static String domainOf(String alias) {
        return MailAddress.parse(alias).domain();
    }
}
