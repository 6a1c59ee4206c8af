package org.carrier.tlsreport.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.MailAddress;

/**
 * The message that carries a report to a {@code mailto:} rua (RFC 8460 §5.3): {@code multipart/report} with
 * {@code report-type="tlsrpt"} (RFC 6522), a short text part and the gzipped JSON as
 * {@code application/tlsrpt+gzip}; the subject and the {@code TLS-Report-Domain} and {@code TLS-Report-Submitter}
 * header fields the RFC prescribes; built by the report message all reports share.
 */
final class ReportMessage {
    static final String DOMAIN_HEADER = "TLS-Report-Domain";
    static final String SUBMITTER_HEADER = "TLS-Report-Submitter";
    private static final String CRLF = "\r\n";

    private ReportMessage() {
    }

    static byte[] content(TlsReport report, MailAddress from, List<MailAddress> to, Instant now) {
        TlsResults.Period period = report.period();
        Map<String, String> header = new LinkedHashMap<>();
        header.put(DOMAIN_HEADER, report.domain());
        header.put(SUBMITTER_HEADER, report.submitter());
        String text = "This is an aggregate TLS report (RFC 8460) from " + report.submitter() + CRLF
                + "about the mail it sent to " + report.domain() + " from " + period.start() + " to " + period.end() + ":" + CRLF
                + period.successes() + " successful and " + period.failures() + " failed TLS sessions. The report is attached." + CRLF;
        return new org.carrier.api.report.ReportMessage(from, to, now, report.domain(), report.submitter(), report.reportId(),
                header, "multipart/report; report-type=\"tlsrpt\"", text,
                new org.carrier.api.report.ReportMessage.Attachment(TlsReport.MEDIA_TYPE, report.fileName(), report.gzip()))
                .content();
    }
}
