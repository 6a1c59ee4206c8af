package org.carrier.queue.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.RecipientStatus;

/**
 * Writes a delivery status notification: a {@code multipart/report; report-type=delivery-status}
 * message (RFC 6522) with a human-readable part, the {@code message/delivery-status} part (RFC 3464 §2)
 * and the original message ({@code message/rfc822}, RET=FULL) or its header ({@code text/rfc822-headers},
 * RET=HDRS), RFC 3461 §4.3. For internationalized mail (sent with SMTPUTF8, or with an address that is not ASCII)
 * the RFC 6533 types take their place: {@code message/global-delivery-status} (report-type
 * {@code global-delivery-status}), {@code message/global} and {@code message/global-headers}, since only those may
 * carry UTF-8 addresses and header fields.
 */
final class DsnReport {
    /** RFC 3464 §2.3.3: the action reported for one recipient. */
    enum Action {
        FAILED("failed"), DELAYED("delayed"), DELIVERED("delivered"), RELAYED("relayed");

        final String field;

        Action(String field) {
            this.field = field;
        }
    }

    /** One recipient's block of the report. */
    record Line(RecipientStatus status, Action action) {
    }

    /** What the report is about; {@code internationalized}: the original was SMTPUTF8 mail (RFC 6533 §6). */
    record Subject(String queueId, Instant arrival, MailAddress to, String envelopeId, Instant willRetryUntil,
                   boolean internationalized) {
    }

    /** The media types of the report's parts: RFC 3464 / RFC 6522, or for internationalized mail RFC 6533 §6. */
    private record Types(String reportType, String status, String message, String headers) {
        static final Types PLAIN = new Types("delivery-status", "message/delivery-status", "message/rfc822", "text/rfc822-headers");
        static final Types GLOBAL = new Types("global-delivery-status", "message/global-delivery-status", "message/global",
                "message/global-headers");
    }

    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private final String reportingMta;

    DsnReport(String reportingMta) {
        this.reportingMta = reportingMta;
    }

    /**
     * @param original the original message (prepended header fields and content)
     * @param full     whether to return the whole message (RET=FULL) or only its header
     */
    byte[] write(Subject about, List<Line> lines, InputStream original, boolean full, Instant now) throws IOException {
        String boundary = "=_carrier-dsn_" + about.queueId() + "_" + now.toEpochMilli();
        Types types = about.internationalized() || !about.to().isAscii()
                || lines.stream().anyMatch(l -> !l.status().recipient().address().isAscii()) ? Types.GLOBAL : Types.PLAIN;
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        text(out, header(about, lines, boundary, now, types));
        text(out, "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                + "Content-Description: Notification\r\n\r\n" + humanReadable(about, lines) + "\r\n");
        text(out, "--" + boundary + "\r\nContent-Type: " + types.status() + "\r\nContent-Description: Delivery report\r\n\r\n"
                + deliveryStatus(about, lines, now) + "\r\n");
        text(out, "--" + boundary + "\r\n");
        if (full) {
            text(out, "Content-Type: " + types.message() + "\r\nContent-Transfer-Encoding: 8bit\r\nContent-Description: Undelivered message\r\n\r\n");
            original.transferTo(out);
        } else {
            text(out, "Content-Type: " + types.headers() + "\r\nContent-Transfer-Encoding: 8bit\r\nContent-Description: Message header\r\n\r\n");
            writeHeaderOf(original, out);
        }
        text(out, "\r\n--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private String header(Subject about, List<Line> lines, String boundary, Instant now, Types types) {
        return "From: Mail Delivery System <MAILER-DAEMON@" + reportingMta + ">\r\n"
                + "To: <" + about.to() + ">\r\n"
                + "Subject: " + subjectLine(lines) + "\r\n"
                + "Date: " + RFC5322.format(now.atOffset(ZoneOffset.UTC)) + "\r\n"
                + "Message-ID: <" + about.queueId() + "." + now.toEpochMilli() + ".dsn@" + reportingMta + ">\r\n"
                // RFC 3834 §5: automatic responses must not trigger further automatic responses.
                + "Auto-Submitted: auto-replied\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=" + types.reportType() + ";\r\n\tboundary=\"" + boundary + "\"\r\n"
                + "\r\nThis is a MIME-encapsulated message.\r\n\r\n";
    }

    private static String subjectLine(List<Line> lines) {
        if (has(lines, Action.FAILED)) {
            return "Undelivered Mail Returned to Sender";
        }
        return has(lines, Action.DELAYED) ? "Delayed Mail (still being retried)" : "Successful Mail Delivery Report";
    }

    private String humanReadable(Subject about, List<Line> lines) {
        StringBuilder sb = new StringBuilder("This is the mail system at host " + reportingMta + ".\r\n\r\n");
        if (has(lines, Action.FAILED)) {
            sb.append("I'm sorry to have to inform you that your message could not be delivered to one or more\r\n"
                    + "recipients. The message, or its header, is attached below.\r\n\r\n");
        }
        if (has(lines, Action.DELAYED)) {
            sb.append("Your message could not be delivered yet to one or more recipients. It will be retried until ")
                    .append(RFC5322.format(about.willRetryUntil().atOffset(ZoneOffset.UTC))).append(".\r\n"
                            + "You do not need to send it again.\r\n\r\n");
        }
        if (has(lines, Action.DELIVERED) || has(lines, Action.RELAYED)) {
            sb.append("Your message was delivered (or passed on) to the recipients marked so below, as you asked.\r\n\r\n");
        }
        for (Line line : lines) {
            SmtpReply reply = line.status().lastReply();
            sb.append("<").append(line.status().recipient().address()).append(">: ").append(line.action().field);
            if (reply != null) {
                sb.append(": ").append(reply);
            }
            sb.append("\r\n");
        }
        return sb.toString();
    }

    /** RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields, each group after a blank line. */
    private String deliveryStatus(Subject about, List<Line> lines, Instant now) {
        StringBuilder sb = new StringBuilder();
        sb.append("Reporting-MTA: dns; ").append(reportingMta).append("\r\n");
        sb.append("X-Carrier-Queue-ID: ").append(about.queueId()).append("\r\n");
        if (about.envelopeId() != null) {
            sb.append("Original-Envelope-Id: ").append(Xtext.decode(about.envelopeId())).append("\r\n");
        }
        sb.append("Arrival-Date: ").append(RFC5322.format(about.arrival().atOffset(ZoneOffset.UTC))).append("\r\n");
        for (Line line : lines) {
            sb.append("\r\n").append(recipientFields(line, about, now));
        }
        return sb.toString();
    }

    private String recipientFields(Line line, Subject about, Instant now) {
        RecipientStatus status = line.status();
        MailAddress address = status.recipient().address();
        StringBuilder sb = new StringBuilder();
        String orcpt = status.recipient().parameters().get("ORCPT");
        if (orcpt != null && orcpt.indexOf(';') > 0) {
            // RFC 3461 §4.2 / RFC 3464 §2.3.1: address-type ";" the xtext-decoded original address.
            int semi = orcpt.indexOf(';');
            sb.append("Original-Recipient: ").append(orcpt, 0, semi).append("; ").append(Xtext.decode(orcpt.substring(semi + 1))).append("\r\n");
        }
        sb.append("Final-Recipient: ").append(finalRecipient(address)).append("\r\n");
        sb.append("Action: ").append(line.action().field).append("\r\n");
        sb.append("Status: ").append(statusCode(line)).append("\r\n");
        String remote = remoteMta(status.lastRemote());
        if (remote != null) {
            sb.append("Remote-MTA: dns; ").append(remote).append("\r\n");
        }
        SmtpReply reply = status.lastReply();
        if (reply != null) {
            sb.append("Diagnostic-Code: smtp; ").append(reply).append("\r\n");
        }
        if (status.attempts() > 0) {
            sb.append("Last-Attempt-Date: ").append(RFC5322.format(now.atOffset(ZoneOffset.UTC))).append("\r\n");
        }
        if (line.action() == Action.DELAYED) {
            sb.append("Will-Retry-Until: ").append(RFC5322.format(about.willRetryUntil().atOffset(ZoneOffset.UTC))).append("\r\n");
        }
        return sb.toString();
    }

    /**
     * RFC 3464 §2.3.2 with RFC 6533 §3: an ASCII address is of type rfc822; one that is not is of type utf-8, as
     * utf-8-addr-unitext (such an address makes the report a message/global-delivery-status): UTF-8 as is, and '+',
     * '=', a backslash and characters outside the printable ASCII range escaped as {@code \x{HEX}}.
     */
    static String finalRecipient(MailAddress address) {
        String text = address.toString();
        if (address.isAscii()) {
            return "rfc822; " + text;
        }
        StringBuilder sb = new StringBuilder("utf-8; ");
        text.codePoints().forEach(c -> {
            if (c >= 0x80 || (c > 0x20 && c < 0x7f && c != '+' && c != '=' && c != '\\')) {
                sb.appendCodePoint(c);
            } else {
                sb.append("\\x{").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append('}');
            }
        });
        return sb.toString();
    }

    /** RFC 3464 §2.3.4: the RFC 3463 status; from the reply's enhanced code, else its class. */
    private static String statusCode(Line line) {
        SmtpReply reply = line.status().lastReply();
        if (reply != null && reply.enhancedStatus() != null) {
            return reply.enhancedStatus();
        }
        return switch (line.action()) {
            case FAILED -> "5.0.0";
            case DELAYED -> "4.0.0";
            default -> "2.0.0";
        };
    }

    /** The host of {@code mx.example.com[192.0.2.1]:25}; none for local deliveries or made-up replies. */
    private static String remoteMta(String remote) {
        if (remote == null) {
            return null;
        }
        int bracket = remote.indexOf('[');
        return bracket > 0 ? remote.substring(0, bracket) : null;
    }

    /** The header of a message: everything up to and including the empty line (or all of it). */
    private static void writeHeaderOf(InputStream message, ByteArrayOutputStream out) throws IOException {
        Spool.HeaderSection header = Spool.headerSection(message, Long.MAX_VALUE);
        out.writeBytes(header.fields());
        out.writeBytes(header.end());
    }

    private static boolean has(List<Line> lines, Action action) {
        return lines.stream().anyMatch(l -> l.action() == action);
    }

    private static void text(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
