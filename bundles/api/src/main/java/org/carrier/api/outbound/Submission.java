package org.carrier.api.outbound;

import java.util.HashMap;
import java.util.Map;

import org.carrier.api.message.Envelope;

/**
 * How a queued message carries {@link OutboundMessage#submittedHere()}, the decision that this site is the author's
 * agent for it, from intake to every delivery attempt (a retry, a release from hold, a restart).
 * <p>
 * The mark is a MAIL parameter in the queued envelope, like {@link org.carrier.api.tls.TlsReportMessages}'s: the
 * component that takes the message in sets it (the SMTP server for a client that may relay and may use its From,
 * bin/sendmail, the queue for a DSN, the report senders for their reports). No client can forge it: the SMTP server
 * accepts only the MAIL parameters it knows and refuses an {@code X-CARRIER-} one (555, RFC 5321 §4.1.1.11). It is
 * kept in the queue file, and never sent to a next hop (the SMTP transport passes on only the parameters it knows).
 * It says nothing about the content: the signer still looks at the From field.
 */
public final class Submission {
    /** The envelope's MAIL parameter that marks mail of this site's own users or of Carrier itself; no value. */
    public static final String MAIL_PARAMETER = "X-CARRIER-SUBMITTED";

    private Submission() {
    }

    /** {@code parameters} with the mark added (a new map; the given one is not changed). */
    public static Map<String, String> mark(Map<String, String> parameters) {
        Map<String, String> marked = new HashMap<>(parameters);
        marked.put(MAIL_PARAMETER, "");
        return Map.copyOf(marked);
    }

    /** {@code parameters} without the mark, e.g. what a client sent, before the server decides itself. */
    public static Map<String, String> unmarked(Map<String, String> parameters) {
        if (!parameters.containsKey(MAIL_PARAMETER)) {
            return parameters;
        }
        Map<String, String> clean = new HashMap<>(parameters);
        clean.remove(MAIL_PARAMETER);
        return Map.copyOf(clean);
    }

    /** Whether the envelope's message was submitted here or made here. */
    public static boolean isHere(Envelope envelope) {
        return envelope.mailParameters().containsKey(MAIL_PARAMETER);
    }
}
