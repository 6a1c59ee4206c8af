package org.carrier.tlsreport.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.carrier.api.message.MailAddress;

/**
 * The message that carries a report to a {@code mailto:} rua (RFC 8460 §5.3): {@code multipart/report} with
 * {@code report-type="tlsrpt"} (RFC 6522), a short text part and the gzipped JSON as
 * {@code application/tlsrpt+gzip}; the subject and the {@code TLS-Report-Domain} and {@code TLS-Report-Submitter}
 * header fields the RFC prescribes. CRLF line endings; the report is base64.
 */
final class ReportMessage {
    static final String DOMAIN_HEADER = "TLS-Report-Domain";
    static final String SUBMITTER_HEADER = "TLS-Report-Submitter";
    private static final String CRLF = "\r\n";
    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    private ReportMessage() {
    }

    static byte[] content(TlsReport report, MailAddress from, List<MailAddress> to, Instant now) {
        String boundary = "tlsrpt-" + Integer.toHexString(report.reportId().hashCode()) + "-" + now.getEpochSecond();
        TlsResults.Period period = report.period();
        StringBuilder m = new StringBuilder(4096);
        header(m, "From", from.toString());
        header(m, "To", to.stream().map(MailAddress::toString).collect(Collectors.joining("," + CRLF + " ")));
        header(m, "Date", DATE.format(now.atOffset(ZoneOffset.UTC)));
        // RFC 8460 §5.3: "Report Domain: ... Submitter: ... Report-ID: <...>"
        header(m, "Subject", "Report Domain: " + report.domain() + CRLF + " Submitter: " + report.submitter()
                + CRLF + " Report-ID: <" + report.reportId() + ">");
        header(m, "Message-ID", "<" + report.reportId() + ">");
        header(m, DOMAIN_HEADER, report.domain());
        header(m, SUBMITTER_HEADER, report.submitter());
        header(m, "Auto-Submitted", "auto-generated"); // RFC 3834 §5: no vacation replies to it
        header(m, "MIME-Version", "1.0");
        header(m, "Content-Type", "multipart/report; report-type=\"tlsrpt\";" + CRLF + " boundary=\"" + boundary + "\"");
        m.append(CRLF);
        m.append("This is a multi-part message in MIME format.").append(CRLF);
        part(m, boundary, "Content-Type: text/plain; charset=us-ascii");
        m.append("This is an aggregate TLS report (RFC 8460) from ").append(report.submitter()).append(CRLF)
                .append("about the mail it sent to ").append(report.domain()).append(" from ").append(period.start())
                .append(" to ").append(period.end()).append(":").append(CRLF)
                .append(period.successes()).append(" successful and ").append(period.failures())
                .append(" failed TLS sessions. The report is attached.").append(CRLF);
        part(m, boundary, "Content-Type: " + TlsReport.MEDIA_TYPE + CRLF
                + "Content-Transfer-Encoding: base64" + CRLF
                + "Content-Disposition: attachment;" + CRLF + " filename=\"" + report.fileName() + "\"");
        m.append(Base64.getMimeEncoder().encodeToString(report.gzip())).append(CRLF);
        m.append("--").append(boundary).append("--").append(CRLF);
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void header(StringBuilder m, String name, String value) {
        m.append(name).append(": ").append(value).append(CRLF);
    }

    private static void part(StringBuilder m, String boundary, String headers) {
        m.append(CRLF).append("--").append(boundary).append(CRLF).append(headers).append(CRLF).append(CRLF);
    }
}
