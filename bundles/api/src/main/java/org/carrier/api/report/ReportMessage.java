package org.carrier.api.report;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import org.carrier.api.message.MailAddress;

/**
 * A report as a mail message: a multipart container with a short text part for a human and the gzipped report as a
 * base64 attachment, CRLF line endings. The subject is the one both RFCs prescribe, "Report Domain: ... Submitter:
 * ... Report-ID: &lt;...&gt;" (RFC 8460 §5.3, RFC 7489 §7.2.1.1), the Message-ID is the report ID, and
 * {@code Auto-Submitted: auto-generated} keeps vacation responders quiet (RFC 3834 §5).
 *
 * @param from          the From field (and, by convention, the envelope sender)
 * @param date          the Date field
 * @param reportDomain  the domain reported on
 * @param submitter     the reporting domain
 * @param reportId      unique, with an {@code @} (it is also the Message-ID)
 * @param extraHeader   further header fields in order, e.g. RFC 8460's TLS-Report-Domain
 * @param containerType the top-level media type with its parameters but without the boundary, e.g.
 *                      {@code multipart/report; report-type="tlsrpt"}
 * @param text          the human-readable part, lines ending in CRLF
 * @param attachment    the report
 */
public record ReportMessage(MailAddress from, List<MailAddress> to, Instant date, String reportDomain, String submitter,
                            String reportId, Map<String, String> extraHeader, String containerType, String text,
                            Attachment attachment) {
    private static final String CRLF = "\r\n";
    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    /**
     * @param mediaType e.g. {@code application/gzip}
     * @param fileName  the attachment's file name, as the RFC names it
     */
    public record Attachment(String mediaType, String fileName, byte[] content) {
    }

    /** The message, ready for the queue. */
    public byte[] content() {
        String boundary = "report-" + Integer.toHexString(reportId.hashCode()) + "-" + date.getEpochSecond();
        StringBuilder m = new StringBuilder(4096 + attachment.content().length * 4 / 3);
        header(m, "From", from.toString());
        header(m, "To", to.stream().map(MailAddress::toString).collect(Collectors.joining("," + CRLF + " ")));
        header(m, "Date", DATE.format(date.atOffset(ZoneOffset.UTC)));
        header(m, "Subject", "Report Domain: " + reportDomain + CRLF + " Submitter: " + submitter
                + CRLF + " Report-ID: <" + reportId + ">");
        header(m, "Message-ID", "<" + reportId + ">");
        extraHeader.forEach((name, value) -> header(m, name, value));
        header(m, "Auto-Submitted", "auto-generated");
        header(m, "MIME-Version", "1.0");
        header(m, "Content-Type", containerType + ";" + CRLF + " boundary=\"" + boundary + "\"");
        m.append(CRLF);
        m.append("This is a multi-part message in MIME format.").append(CRLF);
        part(m, boundary, "Content-Type: text/plain; charset=us-ascii");
        m.append(text);
        part(m, boundary, "Content-Type: " + attachment.mediaType() + CRLF
                + "Content-Transfer-Encoding: base64" + CRLF
                + "Content-Disposition: attachment;" + CRLF + " filename=\"" + attachment.fileName() + "\"");
        m.append(Base64.getMimeEncoder().encodeToString(attachment.content())).append(CRLF);
        m.append("--").append(boundary).append("--").append(CRLF);
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A unique report ID (RFC 8460 §4.4, RFC 7489 §7.2.1.1): the period's start, the domain and 48 random bits, at the
     * submitter, so that it also serves as the message's Message-ID.
     */
    public static String newReportId(Instant periodStart, String domain, String submitter, Random random) {
        byte[] bits = new byte[6];
        random.nextBytes(bits);
        return periodStart.toString().replace(":", "") + "." + domain + "." + HexFormat.of().formatHex(bits) + "@" + submitter;
    }

    private static void header(StringBuilder m, String name, String value) {
        m.append(name).append(": ").append(value).append(CRLF);
    }

    private static void part(StringBuilder m, String boundary, String headers) {
        m.append(CRLF).append("--").append(boundary).append(CRLF).append(headers).append(CRLF).append(CRLF);
    }
}
