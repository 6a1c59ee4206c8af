package org.carrier.api.route;

import java.util.List;
import java.util.Optional;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides where each recipient's mail goes. The SMTP server asks it at RCPT time, so that
 * undeliverable recipients are refused there rather than bounced later; the queue asks it again
 * at each delivery attempt, so a routing change applies to mail already queued.
 */
@ProviderType
public interface Router {

    /**
     * The recipient parameter by which {@link #expand} tells local delivery which mailbox (Maildir folder) receives
     * a recipient, e.g. a virtual address's mailbox or a plus-address's user. Only the router sets it: a value an
     * SMTP client supplied is dropped by {@code expand}. Absent: the mailbox is the address's local part.
     */
    String MAILBOX_PARAMETER = "X-CARRIER-MAILBOX";

    /**
     * The recipient parameter by which {@link #expand} marks a recipient that an alias of ours forwards to another
     * address (local or remote): its value is the alias, the address the sender wrote. The outbound stage reads it to
     * rewrite the envelope sender (SRS) and to seal the message (ARC, RFC 8617) when forwarded mail leaves. Only the
     * router sets it: a value an SMTP client supplied is dropped by {@code expand}. Virtual mailbox and plus-address
     * expansion, which deliver to a mailbox of ours, do not set it.
     *
     * @since 1.6
     */
    String FORWARDED_PARAMETER = "X-CARRIER-FORWARDED";

    /** The route for one recipient. Never {@code null}. */
    RouteDecision route(MailAddress recipient);

    /**
     * Whether {@link #route} answers for {@code recipient} from memory, without DNS or another wait, so that
     * the SMTP server may ask it on a network thread instead of handing RCPT to a worker.
     *
     * @return {@code false} unless the router is sure; the default, which is always safe
     */
    default boolean routesAtOnce(MailAddress recipient) {
        return false;
    }

    /**
     * The recipients that mail for {@code recipient} really goes to, after alias and virtual mailbox
     * expansion (one address may become several, some of them remote: forwarding). The queue applies it
     * once, when a message is committed, and keeps each result as a recipient of its own; an expanded
     * recipient carries the original address as its {@code ORCPT} parameter (RFC 3461 §4.2) unless it
     * had one already, so that delivery status notifications name what the sender wrote.
     *
     * @return the recipient itself when no table applies; never empty
     */
    default List<Recipient> expand(Recipient recipient) {
        return List.of(recipient);
    }

    /**
     * The first of our local domains: where a bare local part belongs (an alias target, a recipient at one of our own
     * address literals such as {@code postmaster@[192.0.2.1]}, RFC 5321 §4.1.3).
     *
     * @return empty when this router has no local domain; the default
     * @since 1.3
     */
    default Optional<String> primaryLocalDomain() {
        return Optional.empty();
    }
}
