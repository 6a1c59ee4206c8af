package org.carrier.filter.dkim.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
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
        InputStream in = new BufferedInputStream(content, 64 * 1024);
        RawHeader header = RawHeader.read(in);
        byte[] bodyHash = DkimCheck.BodyHash.of(key.algorithm(), bodyCanon, in);
        List<String> signed = signedNames(header);
        List<String> tags = List.of("v=1", "a=" + key.algorithm().tagValue(),
                "c=" + headerCanon.tagValue() + "/" + bodyCanon.tagValue(), "d=" + key.domain(), "s=" + key.selector(),
                "t=" + now.getEpochSecond());
        String unsigned = fold(tags, signed, Base64.getEncoder().encodeToString(bodyHash));
        byte[] signature = signature(key, header, signed, unsigned);
        return unsigned + foldBase64(Base64.getEncoder().encodeToString(signature), lastLineLength(unsigned));
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

    /** RFC 6376 §3.7: the signed fields and this field with an empty b=, hashed and signed with the key. */
    private byte[] signature(SigningKey key, RawHeader header, List<String> names, String unsigned)
            throws GeneralSecurityException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String field : header.select(names, null)) {
            data.writeBytes((headerCanon.header(field) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        data.writeBytes(headerCanon.header(DkimSignature.FIELD + ": " + unsigned).getBytes(StandardCharsets.ISO_8859_1));
        Signature signer = Signature.getInstance(key.algorithm().jcaSignature());
        signer.initSign(key.key());
        byte[] bytes = data.toByteArray();
        signer.update(key.algorithm().signsPrehash() ? MessageDigest.getInstance("SHA-256").digest(bytes) : bytes);
        return signer.sign();
    }

    /** The tags up to an empty {@code b=}, folded before a tag (or between header names) that would pass 76 columns. */
    private static String fold(List<String> tags, List<String> names, String bodyHash) {
        StringBuilder out = new StringBuilder();
        int column = DkimSignature.FIELD.length() + 2;
        List<String> pieces = new ArrayList<>();
        for (String tag : tags) {
            pieces.add(tag + ";");
        }
        for (int i = 0; i < names.size(); i++) {
            pieces.add((i == 0 ? "h=" : "") + names.get(i) + (i == names.size() - 1 ? ";" : ":"));
        }
        pieces.add("bh=" + bodyHash + ";");
        pieces.add("b=");
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

    private static int lastLineLength(String folded) {
        int nl = folded.lastIndexOf('\n');
        return nl < 0 ? DkimSignature.FIELD.length() + 2 + folded.length() : 8 + folded.length() - nl - 2;
    }
}
