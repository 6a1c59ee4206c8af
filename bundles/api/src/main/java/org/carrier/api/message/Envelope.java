package org.carrier.api.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The SMTP envelope of one mail transaction (RFC 5321 §2.3.1): the reverse-path from MAIL FROM
 * with its ESMTP parameters (e.g. {@code SIZE}, RFC 1870; {@code RET}, {@code ENVID}, RFC 3461),
 * and the recipients accepted so far. Immutable; {@link #withRecipient} returns a new envelope.
 *
 * @param reversePath    the sender, or {@link MailAddress#nullSender()}
 * @param mailParameters MAIL FROM parameters, names in upper case
 * @param recipients     accepted recipients, in the order they were given
 */
public record Envelope(MailAddress reversePath, Map<String, String> mailParameters, List<Recipient> recipients) {
    /** The MAIL FROM parameter and EHLO keyword of RFC 8689 (no value). */
    public static final String REQUIRETLS = "REQUIRETLS";

    public Envelope {
        Objects.requireNonNull(reversePath, "reversePath");
        mailParameters = Map.copyOf(mailParameters);
        recipients = List.copyOf(recipients);
    }

    /** An envelope with a sender and no recipients yet. */
    public static Envelope from(MailAddress reversePath, Map<String, String> mailParameters) {
        return new Envelope(reversePath, mailParameters, List.of());
    }

    /** This envelope with one more recipient. */
    public Envelope withRecipient(Recipient recipient) {
        List<Recipient> more = new ArrayList<>(recipients);
        more.add(recipient);
        return new Envelope(reversePath, mailParameters, more);
    }

    /**
     * Whether this transaction is internationalized: declared with the SMTPUTF8 parameter, or with an address that is not
     * plain ASCII (RFC 6531 §3.4). Such mail needs a next hop with SMTPUTF8, and its DSNs use the RFC 6533 types.
     */
    public boolean isInternationalized() {
        return mailParameters.containsKey("SMTPUTF8") || !reversePath.isAscii()
                || recipients.stream().anyMatch(r -> !r.address().isAscii());
    }

    /**
     * Whether the sender asked for REQUIRETLS on MAIL FROM (RFC 8689 §2): every hop must be TLS with an authenticated
     * server, and the mail fails rather than go otherwise. The parameter stays in {@link #mailParameters} as received.
     */
    public boolean requiresTls() {
        return mailParameters.containsKey(REQUIRETLS);
    }

    /** This envelope with its recipients replaced (e.g. the subset that goes to one next hop). */
    public Envelope withRecipients(List<Recipient> subset) {
        return new Envelope(reversePath, mailParameters, subset);
    }
}
