package org.carrier.api.tls;

import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.report.ReportMark;

/**
 * How a TLS report message (RFC 8460 §5.3) is told apart from other mail on its way out. RFC 8460 §5.3 says a
 * sending MTA "MUST deliver reports despite any TLS-related failures and SHOULD NOT include this SMTP session in the
 * next report": so the SMTP transport neither records such a message's TLS results (no report about a report, and no
 * loop of reports about the delivery of reports) nor lets a TLS policy failure stop it.
 * <p>
 * The mark is {@link ReportMark#TLS}, one of the marks of Carrier's own reports; this class keeps its earlier name.
 * The mark is a MAIL parameter in the queued envelope, not a header field: the SMTP server accepts only the
 * parameters it knows, so no client can forge it to have its own mail sent despite a DANE or MTA-STS failure; the
 * transport sees it without reading the message; it is kept in the queue file, so it survives a restart; and it is
 * never sent to a next hop (the transport passes on only the parameters it knows).
 */
public final class TlsReportMessages {
    /** The envelope's MAIL parameter that marks a TLS report; its value is the policy domain reported on. */
    public static final String MAIL_PARAMETER = "X-CARRIER-TLSRPT";
    private static final ReportMark MARK = ReportMark.TLS;

    private TlsReportMessages() {
    }

    /** The MAIL parameters of a report about {@code policyDomain}, for {@link Envelope#from}. */
    public static Map<String, String> mailParameters(String policyDomain) {
        return MARK.mailParameters(policyDomain);
    }

    /** Whether the envelope is one of a TLS report Carrier itself submitted. */
    public static boolean isReport(Envelope envelope) {
        return MARK.isOn(envelope);
    }
}
