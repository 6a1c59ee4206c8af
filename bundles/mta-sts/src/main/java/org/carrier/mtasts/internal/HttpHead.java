package org.carrier.mtasts.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The status line and header fields of an HTTP/1.1 response (RFC 9112 §4, §5), and its body as framed by RFC 9112
 * §6: chunked, a Content-Length, or up to the end of the connection. Only what a policy fetch needs.
 */
record HttpHead(int status, Map<String, String> headers) {

    /** The first value of a header field (name in any case), or null. */
    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    static HttpHead read(InputStream in, int maxBytes) throws IOException {
        String statusLine = line(in, maxBytes);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("not an HTTP/1.x status line: \"" + statusLine + "\"");
        }
        Map<String, String> headers = new HashMap<>();
        int total = statusLine.length();
        for (String field = line(in, maxBytes); !field.isEmpty(); field = line(in, maxBytes)) {
            total += field.length();
            if (total > maxBytes) {
                throw new IOException("the header is larger than " + maxBytes + " bytes");
            }
            int colon = field.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(field.substring(0, colon).strip().toLowerCase(Locale.ROOT), field.substring(colon + 1).strip());
            }
        }
        return new HttpHead(Integer.parseInt(parts[1]), headers);
    }

    /** The body, at most {@code max} bytes; null if it is larger. */
    static byte[] body(HttpHead head, InputStream in, int max) throws IOException {
        String encoding = head.header("transfer-encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return chunked(in, max);
        }
        String length = head.header("content-length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new IOException("Content-Length \"" + length + "\" is not a number");
            }
            if (declared > max) {
                return null; // refused before reading it
            }
            byte[] body = in.readNBytes((int) declared);
            if (body.length < declared) {
                throw new IOException("the connection ended after " + body.length + " of " + declared + " bytes");
            }
            return body;
        }
        return PolicyFetcher.upTo(in, max);
    }

    private static byte[] chunked(InputStream in, int max) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in, 1024);
            String hex = sizeLine.split(";", 2)[0].strip(); // chunk extensions are ignored (RFC 9112 §7.1.1)
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size \"" + sizeLine + "\"");
            }
            if (size == 0) {
                return body.toByteArray(); // trailer fields are not read: the connection closes
            }
            if (body.size() + size > max) {
                return null;
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new IOException("the connection ended inside a chunk");
            }
            body.write(chunk);
            line(in, 2); // the CRLF after the chunk
        }
    }

    /** One line without its CRLF (or LF), at most {@code max} bytes. */
    private static String line(InputStream in, int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection ended inside the response header");
            }
            if (line.size() >= max) {
                throw new IOException("a header line is longer than " + max + " bytes");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
