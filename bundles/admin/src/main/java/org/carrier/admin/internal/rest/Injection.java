package org.carrier.admin.internal.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Mailbox;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.Submission;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;

/**
 * {@code POST /api/v1/messages}: a message injected as KumoMTA's HTTP injection takes one, {@code sender},
 * {@code recipients} and the RFC 5322 {@code content}, queued straight into the durable queue, which routes, signs
 * and delivers it as any mail. Its addresses pass the SMTP server's syntax check ({@link Mailbox}); the message is the
 * site's own (a token holder is its operator), so it carries the {@link Submission} mark and is signed.
 *
 * @param sender     the reverse-path; {@code ""} is the null sender
 * @param recipients at least one, at most {@link #MAX_RECIPIENTS}
 * @param content    with CRLF line endings
 * @param prepended  Date and Message-ID when the content has none (as a submission server adds them, RFC 6409 §8.2, §8.3)
 */
record Injection(MailAddress sender, List<MailAddress> recipients, byte[] content, List<HeaderField> prepended) {
    /** RFC 5321 §4.5.3.1.8 asks for at least 100; a list of more is a mailing list's job. */
    static final int MAX_RECIPIENTS = 1000;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final Set<String> FIELDS = Set.of("sender", "recipients", "content");

    /** The injection a request body asks for, or {@link ApiError} 400 naming what is wrong. */
    static Injection parse(Map<String, Object> body, String hostname, ZonedDateTime now) {
        body.keySet().stream().filter(k -> !FIELDS.contains(k)).findFirst().ifPresent(k -> {
            throw ApiError.badRequest("unknown field \"" + k + "\"; a message has sender, recipients and content");
        });
        Object sender = body.get("sender");
        if (!(sender instanceof String senderText)) {
            throw ApiError.badRequest("sender: an address as a string (\"\" for the null sender) is required");
        }
        Object recipients = body.get("recipients");
        if (!(recipients instanceof List<?> list) || list.isEmpty() || list.size() > MAX_RECIPIENTS) {
            throw ApiError.badRequest("recipients: a list of 1 to " + MAX_RECIPIENTS + " addresses is required");
        }
        Set<MailAddress> to = new LinkedHashSet<>();
        for (Object r : list) {
            if (!(r instanceof String address)) {
                throw ApiError.badRequest("recipients: each is an address as a string: " + r);
            }
            to.add(address(address, "recipients"));
        }
        Object content = body.get("content");
        if (!(content instanceof String text) || text.isEmpty()) {
            throw ApiError.badRequest("content: the message (RFC 5322 header section, empty line, body) as a string is required");
        }
        String crlf = text.replaceAll("\r?\n", "\r\n");
        List<String> header = headerFields(crlf);
        if (header.stream().noneMatch(f -> named(f, "From"))) {
            throw ApiError.badRequest("content: the message has no From field (RFC 5322 §3.6: it is required)");
        }
        List<HeaderField> prepended = new ArrayList<>();
        if (header.stream().noneMatch(f -> named(f, "Date"))) {
            prepended.add(new HeaderField("Date", DATE.format(now)));
        }
        if (header.stream().noneMatch(f -> named(f, "Message-ID"))) {
            prepended.add(new HeaderField("Message-ID", "<" + UUID.randomUUID() + "@" + hostname + ">"));
        }
        return new Injection(senderText.isEmpty() ? MailAddress.nullSender() : address(senderText, "sender"),
                List.copyOf(to), crlf.getBytes(StandardCharsets.UTF_8), List.copyOf(prepended));
    }

    /** Queues it durably. @return its queue ID */
    String queue(MailQueue queue) throws IOException {
        Map<String, String> parameters = new HashMap<>();
        if (!isAscii(content)) {
            parameters.put("BODY", "8BITMIME"); // RFC 6152
        }
        if (Mailbox.isInternational(sender) || recipients.stream().anyMatch(Mailbox::isInternational)) {
            parameters.put("SMTPUTF8", ""); // RFC 6531 §3.4
        }
        Envelope envelope = new Envelope(sender, Submission.mark(parameters),
                recipients.stream().map(a -> new Recipient(a, Map.of())).toList());
        try (IncomingMessage message = queue.receive()) {
            message.content().write(content);
            message.commit(envelope, prepended, false);
            return message.queueId();
        }
    }

    private static MailAddress address(String text, String field) {
        try {
            return Mailbox.parse(text.trim());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field + ": " + e.getMessage().replaceFirst("^Syntax: ", "") + ": " + text);
        }
    }

    /** The unfolded fields of the header section (RFC 5322 §2.1: up to the first empty line); refused if it has none. */
    private static List<String> headerFields(String crlf) {
        int end = crlf.indexOf("\r\n\r\n");
        String section = end < 0 ? crlf : crlf.substring(0, end);
        List<String> fields = new ArrayList<>();
        for (String line : section.split("\r\n")) {
            if (!fields.isEmpty() && (line.startsWith(" ") || line.startsWith("\t"))) {
                continue; // a continuation line (RFC 5322 §2.2.3)
            }
            if (!line.matches("[\\x21-\\x39\\x3b-\\x7e]+:.*")) {
                throw ApiError.badRequest("content: not a header field (RFC 5322 §2.2: name, colon, body): "
                        + (line.length() > 60 ? line.substring(0, 60) + "..." : line));
            }
            fields.add(line);
        }
        return fields;
    }

    private static boolean named(String field, String name) {
        return field.regionMatches(true, 0, name + ":", 0, name.length() + 1)
                || field.toLowerCase(Locale.ROOT).matches(name.toLowerCase(Locale.ROOT) + "\\s*:.*");
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
