package org.carrier.queue.internal;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.RecipientStatus;

/**
 * The text format of a queue entry's {@code .env} file: one record per line, fields separated by
 * spaces, every field encoded so that any text survives ({@code -} for none, {@code =} followed by the
 * URL-encoded UTF-8 value otherwise). Readable with {@code cat}, like Postfix's {@code postcat}.
 * <pre>
 * carrier-envelope 1
 * id 00C5K3M1T0Q2
 * arrival 2026-11-22T18:00:00Z
 * size 1234
 * held false
 * delay-notified true        (only once the delay DSN went out)
 * sender =alice%40example.org
 * param =SIZE =1234
 * header =X-Spam =no
 * rcpt =bob%40relay.test PENDING 0 - - - - -
 * rparam =NOTIFY =FAILURE
 * </pre>
 */
final class EnvelopeFile {
    static final String MAGIC = "carrier-envelope 1";

    private EnvelopeFile() {
    }

    static String format(QueueEntry entry) {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        sb.append("id ").append(entry.id()).append('\n');
        sb.append("arrival ").append(entry.arrival()).append('\n');
        sb.append("size ").append(entry.size()).append('\n');
        sb.append("held ").append(entry.held()).append('\n');
        if (entry.delayNotified()) {
            sb.append("delay-notified true\n");
        }
        sb.append("sender ").append(enc(entry.envelope().reversePath().toString())).append('\n');
        entry.envelope().mailParameters().forEach((k, v) -> sb.append("param ").append(enc(k)).append(' ').append(enc(v)).append('\n'));
        for (HeaderField h : entry.prependedHeaders()) {
            sb.append("header ").append(enc(h.name())).append(' ').append(enc(h.value())).append('\n');
        }
        for (RecipientStatus s : entry.recipients()) {
            SmtpReply r = s.lastReply();
            sb.append("rcpt ").append(enc(s.recipient().address().toString())).append(' ').append(s.state())
                    .append(' ').append(s.attempts())
                    .append(' ').append(s.nextAttempt() == null ? "-" : s.nextAttempt().toString())
                    .append(' ').append(r == null ? "-" : Integer.toString(r.code()))
                    .append(' ').append(enc(r == null ? null : r.enhancedStatus()))
                    .append(' ').append(enc(r == null ? null : r.text()))
                    .append(' ').append(enc(s.lastRemote())).append('\n');
            s.recipient().parameters().forEach((k, v) -> sb.append("rparam ").append(enc(k)).append(' ').append(enc(v)).append('\n'));
        }
        return sb.toString();
    }

    /** Parses an {@code .env} file; any damage is an IOException saying which line. */
    static QueueEntry parse(String text) throws IOException {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw new IOException("not a Carrier envelope file (first line must be '" + MAGIC + "')");
        }
        Map<String, String> single = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        List<HeaderField> headers = new ArrayList<>();
        List<String[]> rcpts = new ArrayList<>();
        List<Map<String, String>> rparams = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] f = lines[i].split(" ", -1);
            try {
                switch (f[0]) {
                    case "id", "arrival", "size", "held", "sender", "delay-notified" -> single.put(f[0], f[1]);
                    case "param" -> params.put(dec(f[1]), dec(f[2]));
                    case "header" -> headers.add(new HeaderField(dec(f[1]), dec(f[2])));
                    case "rcpt" -> {
                        if (f.length != 9) {
                            throw new IOException("expected 8 fields");
                        }
                        rcpts.add(f);
                        rparams.add(new LinkedHashMap<>());
                    }
                    case "rparam" -> rparams.get(rparams.size() - 1).put(dec(f[1]), dec(f[2]));
                    default -> throw new IOException("unknown record " + f[0]);
                }
            } catch (IOException | RuntimeException e) {
                throw new IOException("line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        try {
            List<RecipientStatus> statuses = new ArrayList<>();
            for (int i = 0; i < rcpts.size(); i++) {
                statuses.add(recipient(rcpts.get(i), rparams.get(i)));
            }
            String sender = dec(required(single, "sender"));
            MailAddress reversePath = sender.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(sender);
            Envelope envelope = new Envelope(reversePath, params, statuses.stream().map(RecipientStatus::recipient).toList());
            QueueEntry entry = new QueueEntry(required(single, "id"), Instant.parse(required(single, "arrival")), envelope,
                    headers, Long.parseLong(required(single, "size")), Boolean.parseBoolean(required(single, "held")), statuses);
            if (Boolean.parseBoolean(single.get("delay-notified"))) {
                entry.markDelayNotified();
            }
            return entry;
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static RecipientStatus recipient(String[] f, Map<String, String> params) {
        Recipient recipient = new Recipient(MailAddress.parse(dec(f[1])), params);
        SmtpReply reply = f[5].equals("-") ? null : new SmtpReply(Integer.parseInt(f[5]), dec(f[6]), dec(f[7]));
        return new RecipientStatus(recipient, DeliveryState.valueOf(f[2]), Integer.parseInt(f[3]),
                f[4].equals("-") ? null : Instant.parse(f[4]), reply, dec(f[8]));
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing record: " + name);
        }
        return value;
    }

    static String enc(String value) {
        return value == null ? "-" : "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String dec(String field) {
        if (field.equals("-")) {
            return null;
        }
        if (!field.startsWith("=")) {
            throw new IllegalArgumentException("bad field: " + field);
        }
        return URLDecoder.decode(field.substring(1), StandardCharsets.UTF_8);
    }
}
