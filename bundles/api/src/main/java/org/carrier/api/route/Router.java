package org.carrier.api.route;

import org.carrier.api.message.MailAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides where each recipient's mail goes. The SMTP server asks it at RCPT time, so that
 * undeliverable recipients are refused there rather than bounced later; the queue asks it again
 * at each delivery attempt, so a routing change applies to mail already queued.
 */
@ProviderType
public interface Router {

    /** The route for one recipient. Never {@code null}. */
    RouteDecision route(MailAddress recipient);
}
