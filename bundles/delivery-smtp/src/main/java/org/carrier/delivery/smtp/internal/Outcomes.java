package org.carrier.delivery.smtp.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;

/** The recipients' outcomes of one attempt, collected as replies come in and returned in request order. */
final class Outcomes {
    private final List<Recipient> recipients;
    private final Map<Recipient, RecipientOutcome> decided = new LinkedHashMap<>();
    private final String remote;

    Outcomes(List<Recipient> recipients, String remote) {
        this.recipients = recipients;
        this.remote = remote;
    }

    /** One reply decides for every recipient: 2xx delivered, 4xx deferred, 5xx failed. */
    static List<RecipientOutcome> all(List<Recipient> recipients, SmtpReply reply, String remote) {
        return recipients.stream().map(r -> RecipientOutcome.of(r, reply, remote)).toList();
    }

    void decide(Recipient recipient, SmtpReply reply) {
        decided.put(recipient, RecipientOutcome.of(recipient, reply, remote));
    }

    void decideAll(List<Recipient> some, SmtpReply reply) {
        some.forEach(r -> decide(r, reply));
    }

    /** Those not decided yet are deferred with {@code reply}, whatever its code: nothing was delivered. */
    void deferRest(SmtpReply reply) {
        for (Recipient r : recipients) {
            decided.putIfAbsent(r, new RecipientOutcome(r, Outcome.DEFERRED, reply, remote));
        }
    }

    List<RecipientOutcome> inOrder() {
        return recipients.stream().map(decided::get).toList();
    }

    /**
     * The outcomes as the queue must know them for success notifications. LMTP: a 250 for a recipient is delivery
     * into its mailbox (RFC 2033 §4.2), marked as final delivery, so the queue reports "delivered" (RFC 3461 §5.2.3).
     * SMTP: deliveries to a peer without DSN are marked "relayed" for recipients who asked to hear of success
     * (RFC 3461 §5.2.2): the peer will not tell them, so the queue must.
     */
    List<RecipientOutcome> reported(Protocol protocol, Extensions peer) {
        if (!protocol.relays()) {
            return inOrder().stream().map(RecipientOutcome::deliveredFinally).toList();
        }
        if (peer.has("DSN")) {
            return inOrder();
        }
        return recipients.stream().map(decided::get)
                .map(o -> o.recipient().notifyConditions().contains("SUCCESS") ? o.relayedWithoutDsn() : o).toList();
    }
}
