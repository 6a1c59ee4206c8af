package org.carrier.delivery.smtp.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts an 8-bit MIME message to 7-bit for a peer without 8BITMIME (RFC 6152 §3, RFC 1652 §3): every
 * 8-bit body part is re-encoded, text as quoted-printable and anything else as base64 (RFC 2045 §6), walking
 * into multiparts (RFC 2046 §5.1) and attached messages. Header fields with 8-bit bytes cannot be converted
 * without knowing their charset (RFC 2047 would need it): such a message is not converted.
 */
final class SevenBitConverter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final Pattern BOUNDARY = Pattern.compile("(?i);\\s*boundary\\s*=\\s*(?:\"([^\"]+)\"|([^;\\s]+))");
    private static final Pattern CTE = Pattern.compile("(?i)content-transfer-encoding\\s*:.*");
    private static final int QP_LINE = 76;

    private SevenBitConverter() {
    }

    /** The 7-bit form of {@code message}, or {@code null} if it cannot be converted. */
    static byte[] convert(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + message.length / 3);
        return entity(message, 0, message.length, true, out) ? out.toByteArray() : null;
    }

    /** Converts one MIME entity (header and body) in {@code [start, end)}; false if it cannot be. */
    private static boolean entity(byte[] m, int start, int end, boolean topLevel, ByteArrayOutputStream out) {
        if (!hasEightBit(m, start, end)) {
            out.write(m, start, end - start);
            return true;
        }
        int bodyStart = bodyStart(m, start, end);
        if (hasEightBit(m, start, bodyStart)) {
            return false;
        }
        List<String> fields = fields(new String(m, start, bodyStart - start, StandardCharsets.US_ASCII));
        String contentType = value(fields, "content-type");
        String type = contentType == null ? "text/plain" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        String encoding = value(fields, "content-transfer-encoding");
        if (type.startsWith("multipart/")) {
            Matcher b = BOUNDARY.matcher(contentType);
            out.write(m, start, bodyStart - start);
            return b.find() && multipart(m, bodyStart, end, b.group(1) != null ? b.group(1) : b.group(2), out);
        }
        if (type.equals("message/rfc822")) {
            out.write(m, start, bodyStart - start);
            return entity(m, bodyStart, end, false, out);
        }
        if (encoding != null && !List.of("7bit", "8bit", "binary").contains(encoding.trim().toLowerCase(Locale.ROOT))) {
            return false; // already quoted-printable or base64, yet 8-bit: broken, leave it alone
        }
        boolean text = type.startsWith("text/");
        writeHeader(fields, text ? "quoted-printable" : "base64", topLevel, out);
        if (text) {
            quotedPrintable(m, bodyStart, end, out);
        } else {
            base64(m, bodyStart, end, out);
        }
        return true;
    }

    /** RFC 2046 §5.1.1: parts between {@code --boundary} lines; the CRLF before a delimiter belongs to it. */
    private static boolean multipart(byte[] m, int start, int end, String boundary, ByteArrayOutputStream out) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        int partStart = -1;
        int line = start;
        while (line < end) {
            int next = lineEnd(m, line, end);
            if (isDelimiter(m, line, next, delimiter)) {
                if (partStart < 0) {
                    out.write(m, start, line - start); // the preamble
                } else if (!entity(m, partStart, line, false, out)) {
                    return false;
                }
                out.write(m, line, next - line);
                boolean last = startsWith(m, line + delimiter.length, next, new byte[] {'-', '-'});
                if (last) {
                    out.write(m, next, end - next); // the epilogue
                    return !hasEightBit(m, next, end);
                }
                partStart = next;
            }
            line = next;
        }
        return false; // no closing delimiter: not a well-formed multipart
    }

    private static void writeHeader(List<String> fields, String encoding, boolean topLevel, ByteArrayOutputStream out) {
        boolean mimeVersion = false;
        for (String field : fields) {
            mimeVersion |= field.regionMatches(true, 0, "MIME-Version:", 0, 13);
            if (!CTE.matcher(field.replace("\r\n", "")).matches()) {
                out.writeBytes(field.getBytes(StandardCharsets.US_ASCII));
            }
        }
        if (topLevel && !mimeVersion) {
            out.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("Content-Transfer-Encoding: " + encoding + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** RFC 2045 §6.7, line by line: lines of at most 76 characters, soft breaks as {@code =CRLF}. */
    private static void quotedPrintable(byte[] m, int start, int end, ByteArrayOutputStream out) {
        int line = start;
        while (line < end) {
            int next = lineEnd(m, line, end);
            boolean crlf = next - line >= 2 && m[next - 2] == '\r' && m[next - 1] == '\n';
            int contentEnd = crlf ? next - 2 : next;
            int column = 0;
            for (int i = line; i < contentEnd; i++) {
                int b = m[i] & 0xff;
                boolean lineEndSpace = (b == ' ' || b == '\t') && i == contentEnd - 1;
                String token = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !lineEndSpace)
                        ? String.valueOf((char) b) : String.format("=%02X", b);
                if (column + token.length() > QP_LINE - 1) {
                    out.writeBytes("=\r\n".getBytes(StandardCharsets.US_ASCII));
                    column = 0;
                }
                out.writeBytes(token.getBytes(StandardCharsets.US_ASCII));
                column += token.length();
            }
            if (crlf) {
                out.writeBytes(CRLF);
            }
            line = next;
        }
    }

    /** RFC 2045 §6.8; the final line break stays outside the encoding, as it may belong to a delimiter. */
    private static void base64(byte[] m, int start, int end, ByteArrayOutputStream out) {
        int contentEnd = end - start >= 2 && m[end - 2] == '\r' && m[end - 1] == '\n' ? end - 2 : end;
        byte[] content = new byte[contentEnd - start];
        System.arraycopy(m, start, content, 0, content.length);
        out.writeBytes(Base64.getMimeEncoder(QP_LINE, CRLF).encode(content));
        out.writeBytes(CRLF);
    }

    /** The header fields, each with its folded lines and final CRLF. */
    private static List<String> fields(String header) {
        List<String> fields = new ArrayList<>();
        for (String line : header.split("(?<=\r\n)")) {
            if (line.equals("\r\n") || line.isEmpty()) {
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && !fields.isEmpty()) {
                fields.set(fields.size() - 1, fields.get(fields.size() - 1) + line);
            } else {
                fields.add(line);
            }
        }
        return fields;
    }

    private static String value(List<String> fields, String name) {
        for (String field : fields) {
            int colon = field.indexOf(':');
            if (colon > 0 && field.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return field.substring(colon + 1).replace("\r\n", "").trim();
            }
        }
        return null;
    }

    /** Where the body starts: after the first empty line, or at the end if there is none. */
    private static int bodyStart(byte[] m, int start, int end) {
        int line = start;
        while (line < end) {
            int next = lineEnd(m, line, end);
            if (next - line == 2 && m[line] == '\r') {
                return next;
            }
            line = next;
        }
        return end;
    }

    private static int lineEnd(byte[] m, int from, int end) {
        for (int i = from; i < end; i++) {
            if (m[i] == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    /** {@code --boundary} or {@code --boundary--}, then only white space to the line end. */
    private static boolean isDelimiter(byte[] m, int from, int end, byte[] delimiter) {
        if (!startsWith(m, from, end, delimiter)) {
            return false;
        }
        int i = from + delimiter.length;
        if (startsWith(m, i, end, new byte[] {'-', '-'})) {
            i += 2;
        }
        for (; i < end; i++) {
            if (m[i] != ' ' && m[i] != '\t' && m[i] != '\r' && m[i] != '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] m, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (m[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasEightBit(byte[] m, int start, int end) {
        for (int i = start; i < end; i++) {
            if (m[i] < 0) {
                return true;
            }
        }
        return false;
    }
}
