package org.carrier.api.report;

import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;

/**
 * The envelope mark of a report Carrier itself queued: a MAIL parameter whose value is the domain reported on.
 * RFC 8460 §5.3 says a sending MTA "SHOULD NOT include this SMTP session in the next report"; a DMARC report about a
 * DMARC report would loop the same way. So whatever records sessions or evaluations for a report leaves marked
 * messages out.
 * <p>
 * A MAIL parameter, not a header field: the SMTP server accepts only the parameters it knows, so no client can forge
 * the mark (to have its mail left out of the reports a domain owner relies on); it is kept in the queue file, so it
 * survives a restart; and the SMTP transport never passes it on to a next hop.
 */
public final class ReportMark {
    /** TLS reports (RFC 8460): the transport also delivers them despite a TLS policy failure (§5.3). */
    public static final ReportMark TLS = new ReportMark(org.carrier.api.tls.TlsReportMessages.MAIL_PARAMETER);
    /** DMARC aggregate reports (RFC 7489 §7.2). */
    public static final ReportMark DMARC = new ReportMark("X-CARRIER-DMARCRPT");
    private static final List<ReportMark> ALL = List.of(TLS, DMARC);

    private final String parameter;

    private ReportMark(String parameter) {
        this.parameter = parameter;
    }

    /** The MAIL parameter's name. */
    public String parameter() {
        return parameter;
    }

    /** The MAIL parameters of a report about {@code domain}, for {@link Envelope#from}. */
    public Map<String, String> mailParameters(String domain) {
        return Map.of(parameter, domain);
    }

    /** Whether the envelope is that of a report of this kind Carrier itself queued. */
    public boolean isOn(Envelope envelope) {
        return envelope.mailParameters().containsKey(parameter);
    }

    /** Whether the envelope is that of any report Carrier itself queued. */
    public static boolean anyOn(Envelope envelope) {
        return ALL.stream().anyMatch(mark -> mark.isOn(envelope));
    }

    @Override
    public String toString() {
        return parameter;
    }
}
