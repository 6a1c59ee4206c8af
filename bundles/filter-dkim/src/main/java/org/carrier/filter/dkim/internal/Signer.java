package org.carrier.filter.dkim.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Signs a message (RFC 6376 §5): the value of a DKIM-Signature field to prepend to it. */
final class Signer {
    private static final int LINE = 76;

    private final Canonicalization headerCanon;
    private final Canonicalization bodyCanon;
    private final List<String> headerNames;

    /**
     * @param headerNames the fields to sign when present (RFC 6376 §5.4.1); From is always signed, and once more
     *                    than present so a From added later breaks the signature (RFC 6376 §8.15)
     */
    Signer(Canonicalization headerCanon, Canonicalization bodyCanon, List<String> headerNames) {
        this.headerCanon = headerCanon;
        this.bodyCanon = bodyCanon;
        this.headerNames = headerNames.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).distinct().toList();
    }

    /** The field value, folded, for a message as it will be queued (the field itself goes on top of it). */
    String sign(SigningKey key, InputStream content, Instant now) throws IOException, GeneralSecurityException {
        return sign(DkimSignature.FIELD, List.of("v=1"), key, content, now);
    }

    /**
     * The value of a DKIM-style signature field over the message: DKIM-Signature (RFC 6376 §3.5, first tag v=1) or
     * ARC-Message-Signature (RFC 8617 §4.1.2: the same tags with the instance i= in place of v=).
     *
     * @param firstTags the tags before a=, e.g. {@code v=1} or {@code i=2}
     */
    String sign(String fieldName, List<String> firstTags, SigningKey key, InputStream content, Instant now)
            throws IOException, GeneralSecurityException {
        InputStream in = new BufferedInputStream(content, 64 * 1024);
        RawHeader header = RawHeader.read(in);
        byte[] bodyHash = DkimCheck.BodyHash.of(key.algorithm(), bodyCanon, in);
        List<String> signed = signedNames(header);
        List<String> pieces = new ArrayList<>();
        firstTags.forEach(tag -> pieces.add(tag + ";"));
        pieces.addAll(keyTags(key, "c=" + headerCanon.tagValue() + "/" + bodyCanon.tagValue(), now));
        for (int i = 0; i < signed.size(); i++) {
            pieces.add((i == 0 ? "h=" : "") + signed.get(i) + (i == signed.size() - 1 ? ";" : ":"));
        }
        pieces.add("bh=" + Base64.getEncoder().encodeToString(bodyHash) + ";");
        return signFields(fieldName, pieces, key, header.select(signed, null), headerCanon);
    }

    /** The {@code a=}, {@code c=} (when given), {@code d=}, {@code s=} and {@code t=} tags of a signature by {@code key}. */
    static List<String> keyTags(SigningKey key, String canonicalization, Instant now) {
        List<String> tags = new ArrayList<>(List.of("a=" + key.algorithm().tagValue() + ";"));
        if (canonicalization != null) {
            tags.add(canonicalization + ";");
        }
        tags.addAll(List.of("d=" + key.domain() + ";", "s=" + key.selector() + ";", "t=" + now.getEpochSecond() + ";"));
        return tags;
    }

    /**
     * RFC 6376 §3.7 (and RFC 8617 §5.1.1 for ARC-Seal): the field value made of {@code tags} (each ending in ";",
     * a header name list continuing with ":") and a {@code b=} that signs the given fields, each canonicalized with
     * CRLF, then this field with {@code b=} empty, without its CRLF.
     */
    static String signFields(String fieldName, List<String> tags, SigningKey key, List<String> fields, Canonicalization canon)
            throws GeneralSecurityException {
        List<String> pieces = new ArrayList<>(tags);
        pieces.add("b=");
        String unsigned = fold(fieldName, pieces);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String field : fields) {
            data.writeBytes((canon.header(field) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        data.writeBytes(canon.header(fieldName + ": " + unsigned).getBytes(StandardCharsets.ISO_8859_1));
        byte[] signature = Signatures.sign(key.algorithm(), key.key(), data.toByteArray());
        return unsigned + foldBase64(Base64.getEncoder().encodeToString(signature), lastLineLength(fieldName, unsigned));
    }

    private List<String> signedNames(RawHeader header) {
        List<String> names = new ArrayList<>();
        for (String name : headerNames) {
            long count = header.fields().stream().filter(f -> RawHeader.named(f, name)).count();
            for (long i = 0; i < count + (name.equals("from") ? 1 : 0); i++) {
                names.add(name);
            }
        }
        if (!names.contains("from")) {
            names.add(0, "from");
        }
        return names;
    }

    /** The pieces up to an empty {@code b=}, folded before a tag (or between header names) that would pass 76 columns. */
    private static String fold(String fieldName, List<String> pieces) {
        StringBuilder out = new StringBuilder();
        int column = fieldName.length() + 2;
        boolean first = true;
        for (String piece : pieces) {
            boolean continuesList = !first && !piece.contains("=") && out.charAt(out.length() - 1) == ':';
            int needed = piece.length() + (continuesList ? 0 : 1);
            if (!first && column + needed > LINE) {
                out.append("\r\n\t");
                column = 8;
            } else if (!first && !continuesList) {
                out.append(' ');
                column++;
            }
            out.append(piece);
            column += piece.length();
            first = false;
        }
        return out.toString();
    }

    /** The signature in lines of at most 76 columns (FWS is allowed inside base64 values, RFC 6376 §3.5 b=). */
    private static String foldBase64(String value, int column) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        int room = Math.max(8, LINE - column);
        while (start < value.length()) {
            int end = Math.min(value.length(), start + room);
            if (start > 0) {
                out.append("\r\n\t");
            }
            out.append(value, start, end);
            start = end;
            room = LINE - 8;
        }
        return out.toString();
    }

    private static int lastLineLength(String fieldName, String folded) {
        int nl = folded.lastIndexOf('\n');
        return nl < 0 ? fieldName.length() + 2 + folded.length() : 8 + folded.length() - nl - 2;
    }
}
