package org.carrier.tools.sendmail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.carrier.api.message.AddressList;

/**
 * The message bin/sendmail read from standard input, as lines (ISO-8859-1 strings, so every byte passes unchanged and
 * 8-bit text arrives as it was written), with its header section split off.
 */
final class OutgoingMessage {
    /** RFC 5322 §3.3 date-time, e.g. {@code Tue, 24 Nov 2026 07:10:00 +0000}. */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** Header fields, each unfolded into one element with its continuation lines joined by CRLF. */
    private final List<String> fields;
    private final List<String> body;

    private OutgoingMessage(List<String> fields, List<String> body) {
        this.fields = fields;
        this.body = body;
    }

    /**
     * Reads a message. Lines end at LF (a CR before it is dropped; it is sent with CRLF). Like sendmail without -i, a
     * line holding only a dot ends the message when {@code dotEnds}; otherwise only the end of input does.
     */
    static OutgoingMessage read(InputStream in, boolean dotEnds) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        byte[] buffer = new byte[8192];
        boolean ended = false;
        for (int n = in.read(buffer); n >= 0 && !ended; n = in.read(buffer)) {
            for (int i = 0; i < n && !ended; i++) {
                if (buffer[i] == '\n') {
                    String text = text(line);
                    line.reset();
                    ended = dotEnds && text.equals(".");
                    if (!ended) {
                        lines.add(text);
                    }
                } else {
                    line.write(buffer[i]);
                }
            }
        }
        if (!ended && line.size() > 0) {
            String text = text(line);
            if (!(dotEnds && text.equals("."))) {
                lines.add(text); // a last line without a line end
            }
        }
        return parse(lines);
    }

    private static String text(ByteArrayOutputStream line) {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** Splits the header section (RFC 5322 §2.1: up to the first empty line) from the body. */
    static OutgoingMessage parse(List<String> lines) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                i++;
                break;
            }
            boolean continuation = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (continuation && !fields.isEmpty()) {
                fields.set(fields.size() - 1, fields.get(fields.size() - 1) + "\r\n" + line);
            } else if (!continuation && isFieldName(line)) {
                fields.add(line);
            } else {
                break; // not a header field: the message has no header section, this is already its body
            }
        }
        return new OutgoingMessage(fields, new ArrayList<>(lines.subList(i, lines.size())));
    }

    /** RFC 5322 §2.2: a field name is printable US-ASCII except colon, followed by a colon. */
    private static boolean isFieldName(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        return line.substring(0, colon).trim().chars().allMatch(c -> c > 32 && c < 127 && c != ':');
    }

    boolean has(String name) {
        return fields.stream().anyMatch(f -> isNamed(f, name));
    }

    /** The addresses in every field called {@code name}. */
    List<String> addresses(String name) {
        List<String> found = new ArrayList<>();
        for (String field : fields) {
            if (isNamed(field, name)) {
                found.addAll(AddressList.addresses(field.substring(field.indexOf(':') + 1).replace("\r\n", "")));
            }
        }
        return found;
    }

    /** RFC 5322 §3.6.3: Bcc recipients get the message, nobody gets to see them. */
    void remove(String name) {
        fields.removeIf(f -> isNamed(f, name));
    }

    /**
     * Adds the fields RFC 5322 §3.6 requires (Date, From) and the Message-ID it recommends, where the message has none,
     * on top of the header section.
     */
    void complete(String sender, String fullName, String hostname, ZonedDateTime now) {
        List<String> added = new ArrayList<>();
        if (!has("Date")) {
            added.add("Date: " + DATE.format(now));
        }
        if (!has("From")) {
            added.add("From: " + (fullName == null || fullName.isBlank() ? sender : displayName(fullName) + " <" + sender + ">"));
        }
        if (!has("Message-ID")) {
            added.add("Message-ID: <" + now.toInstant().toEpochMilli() + "." + UUID.randomUUID().toString().replace("-", "")
                    + "@" + hostname + ">");
        }
        fields.addAll(0, added);
    }

    /** RFC 5322 §3.2.5 phrase: atoms as they are, otherwise a quoted string; non-ASCII as an RFC 2047 encoded word. */
    static String displayName(String name) {
        if (name.chars().anyMatch(c -> c > 126)) {
            return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8)) + "?=";
        }
        if (name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == ' ' || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0)) {
            return name;
        }
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static boolean isNamed(String field, String name) {
        int colon = field.indexOf(':');
        return field.substring(0, colon).trim().equalsIgnoreCase(name);
    }

    /** The message as lines, header section, empty line, body; without the SMTP dot-stuffing. */
    List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (String field : fields) {
            lines.addAll(List.of(field.split("\r\n", -1)));
        }
        lines.add("");
        lines.addAll(body);
        return lines;
    }

    /** Whether any byte is outside US-ASCII, so that BODY=8BITMIME is declared (RFC 6152). */
    boolean isEightBit() {
        return lines().stream().anyMatch(l -> l.chars().anyMatch(c -> c > 127));
    }
}
