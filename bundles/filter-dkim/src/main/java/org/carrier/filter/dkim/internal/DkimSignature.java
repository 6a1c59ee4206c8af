package org.carrier.filter.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One DKIM-Signature field, parsed and checked as RFC 6376 §3.5 and §6.1.1 require.
 *
 * @param raw              the field as it is in the message
 * @param version          {@code v=}, or {@code null} for a pre-standard (draft) signature
 * @param algorithm        {@code a=}
 * @param signature        {@code b=} decoded
 * @param bodyHash         {@code bh=} decoded, or {@code null} for a draft-00 signature, whose signed data holds the
 *                         body itself ({@link #signsBodyInline})
 * @param headerCanon      the header part of {@code c=}
 * @param bodyCanon        the body part of {@code c=}
 * @param domain           {@code d=} in lower case
 * @param signedHeaders    {@code h=}
 * @param identity         {@code i=} decoded (default {@code @d})
 * @param bodyLength       {@code l=}, or -1 for the whole body
 * @param selector         {@code s=}
 * @param expires          {@code x=}, or {@code null}
 * @param bTag             the first characters of {@code b=} as written, to tell signatures apart in results
 */
record DkimSignature(String raw, String version, Algorithm algorithm, byte[] signature, byte[] bodyHash,
                     Canonicalization headerCanon, Canonicalization bodyCanon, String domain, List<String> signedHeaders,
                     String identity, long bodyLength, String selector, Instant expires, String bTag) {
    static final String FIELD = "DKIM-Signature";
    private static final Pattern B_VALUE = Pattern.compile("((?:^|;)[ \t\r\n]*b[ \t\r\n]*=)[^;]*");

    /** What can be read of a signature before it is checked, to name it in results even when it is broken. */
    record Names(String domain, String selector, String algorithm, String bTag) {
        static Names of(TagList tags) {
            String b = tags.get("b") == null ? "" : TagList.withoutWhiteSpace(tags.get("b"));
            return new Names(lower(tags.get("d")), tags.get("s"), lower(tags.get("a")), b.substring(0, Math.min(8, b.length())));
        }

        private static String lower(String s) {
            return s == null ? null : s.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Parses and checks a signature.
     *
     * @param allowDrafts accept signatures without {@code v=} (IETF drafts before RFC 4871) and {@code q=dns}
     */
    static DkimSignature parse(String raw, TagList tags, Instant now, boolean allowDrafts) throws DkimException {
        String version = tags.get("v");
        // The IETF drafts before RFC 4871 had no v= or "0.x" versions (e.g. v=0.5 of draft-ietf-dkim-base-05).
        boolean draft = version == null || version.startsWith("0.");
        if (draft ? !allowDrafts : !version.equals("1")) {
            throw DkimException.permerror(version == null ? "v= missing" : "unsupported version v=" + version);
        }
        Algorithm algorithm = Algorithm.named(tags.required("a"));
        if (algorithm == null) {
            throw DkimException.permerror("unsupported algorithm a=" + tags.get("a"));
        }
        String b = TagList.withoutWhiteSpace(tags.required("b"));
        byte[] signature = base64(b, "b");
        // draft-ietf-dkim-base-00 had no bh=: its signed data holds the canonical body itself (DkimCheck).
        byte[] bodyHash = draft && !tags.has("bh") ? null : base64(TagList.withoutWhiteSpace(tags.required("bh")), "bh");
        if (bodyHash == null && algorithm == Algorithm.ED25519_SHA256) {
            throw DkimException.permerror("bh= missing");
        }
        Canonicalization[] canon = canonicalization(tags.get("c"));
        String domain = tags.required("d").toLowerCase(Locale.ROOT);
        if (domain.isEmpty()) {
            throw DkimException.permerror("empty d=");
        }
        List<String> headers = Arrays.stream(tags.required("h").split(":")).map(String::strip).toList();
        // RFC 6376 §6.1.1: a signature that does not sign From is not acceptable.
        if (headers.stream().noneMatch(h -> h.equalsIgnoreCase("from"))) {
            throw DkimException.permerror("From is not signed");
        }
        String identity = tags.has("i") ? quotedPrintable(tags.get("i")) : "@" + domain;
        checkIdentity(identity, domain);
        checkQueryMethods(tags.get("q"), allowDrafts);
        String selector = tags.required("s").toLowerCase(Locale.ROOT);
        Instant expires = tags.has("x") ? Instant.ofEpochSecond(number(tags.get("x"), "x")) : null;
        if (expires != null) {
            if (tags.has("t") && expires.isBefore(Instant.ofEpochSecond(number(tags.get("t"), "t")))) {
                throw DkimException.permerror("x= is before t=");
            }
            // RFC 6376 §3.5 x=: "Signatures MAY be considered invalid if the verification time ... is later"; we do.
            if (now.isAfter(expires)) {
                throw DkimException.permerror("signature expired at " + expires);
            }
        }
        long length = tags.has("l") ? number(tags.get("l"), "l") : -1;
        return new DkimSignature(raw, version, algorithm, signature, bodyHash, canon[0], canon[1], domain, headers,
                identity, length, selector, expires, b.substring(0, Math.min(8, b.length())));
    }

    /**
     * An ARC-Message-Signature (RFC 8617 §4.1.2: DKIM-Signature's tags, with the instance i= instead of v= and the
     * agent identity) or, with {@code seal}, an ARC-Seal (§4.1.3: no h=, bh= or c=; relaxed header canonicalization,
     * §5.1.1). Its d= and s= name a DKIM key record, fetched and checked as for DKIM.
     */
    static DkimSignature ofArc(String raw, TagList tags, boolean seal) throws DkimException {
        Algorithm algorithm = Algorithm.named(tags.required("a"));
        if (algorithm == null || algorithm == Algorithm.RSA_SHA1) {
            throw DkimException.permerror("unsupported algorithm a=" + tags.get("a"));
        }
        if (seal && tags.has("h")) {
            throw DkimException.permerror("h= is not allowed in an ARC-Seal");
        }
        String b = TagList.withoutWhiteSpace(tags.required("b"));
        String domain = tags.required("d").toLowerCase(Locale.ROOT);
        if (domain.isEmpty()) {
            throw DkimException.permerror("empty d=");
        }
        String selector = tags.required("s").toLowerCase(Locale.ROOT);
        String bTag = b.substring(0, Math.min(8, b.length()));
        if (seal) {
            return new DkimSignature(raw, "1", algorithm, base64(b, "b"), new byte[0], Canonicalization.RELAXED,
                    Canonicalization.RELAXED, domain, List.of(), "@" + domain, -1, selector, null, bTag);
        }
        List<String> headers = Arrays.stream(tags.required("h").split(":")).map(String::strip).toList();
        if (headers.stream().anyMatch(h -> h.equalsIgnoreCase("arc-seal"))) {
            throw DkimException.permerror("h= signs ARC-Seal (RFC 8617 §4.1.2 forbids it)");
        }
        Canonicalization[] canon = canonicalization(tags.get("c"));
        return new DkimSignature(raw, "1", algorithm, base64(b, "b"), base64(TagList.withoutWhiteSpace(tags.required("bh")), "bh"),
                canon[0], canon[1], domain, headers, "@" + domain, -1, selector, null, bTag);
    }

    /** Whether this is a draft-00 signature: no {@code bh=}, the body is hashed with the header fields. */
    boolean signsBodyInline() {
        return bodyHash == null;
    }

    /** RFC 6376 §3.5 c=: "header/body", one name alone is the header's with a simple body; default simple/simple. */
    private static Canonicalization[] canonicalization(String value) throws DkimException {
        if (value == null) {
            return new Canonicalization[] {Canonicalization.SIMPLE, Canonicalization.SIMPLE};
        }
        String[] parts = value.split("/", -1);
        Canonicalization header = Canonicalization.named(parts[0].strip());
        Canonicalization body = parts.length == 1 ? Canonicalization.SIMPLE
                : parts.length == 2 ? Canonicalization.named(parts[1].strip()) : null;
        if (header == null || body == null) {
            throw DkimException.permerror("unsupported canonicalization c=" + value);
        }
        return new Canonicalization[] {header, body};
    }

    /** RFC 6376 §3.5 q=: a colon list of methods; "dns/txt" is the only one defined ("dns" in the drafts). */
    private static void checkQueryMethods(String value, boolean allowDrafts) throws DkimException {
        if (value == null) {
            return;
        }
        for (String method : value.split(":")) {
            String m = method.strip().toLowerCase(Locale.ROOT);
            if (m.equals("dns/txt") || allowDrafts && m.equals("dns")) {
                return;
            }
        }
        throw DkimException.permerror("unsupported query method q=" + value);
    }

    /** RFC 6376 §6.1.1: the domain of i= must be d= or one of its subdomains. */
    private static void checkIdentity(String identity, String domain) throws DkimException {
        int at = identity.lastIndexOf('@');
        if (at < 0) {
            throw DkimException.permerror("i= has no @: " + identity);
        }
        String idDomain = identity.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!idDomain.equals(domain) && !idDomain.endsWith("." + domain)) {
            throw DkimException.permerror("i= domain " + idDomain + " is not within d=" + domain);
        }
    }

    /** The domain of {@code i=}, in lower case. */
    String identityDomain() {
        return identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** The local part of {@code i=} (empty when it has none). */
    String identityLocalPart() {
        return identity.substring(0, identity.lastIndexOf('@'));
    }

    /** The name of the key record (RFC 6376 §3.6.2.1). */
    String keyName() {
        return selector + "._domainkey." + domain;
    }

    /** This field with the value of b= taken out (RFC 6376 §3.7: the signature signs itself with b= empty). */
    String withoutSignature() {
        int colon = raw.indexOf(':');
        return raw.substring(0, colon + 1) + B_VALUE.matcher(raw.substring(colon + 1)).replaceFirst("$1");
    }

    /** RFC 6376 §2.11: dkim-quoted-printable, =XX hex escapes and no white space. */
    static String quotedPrintable(String value) throws DkimException {
        String text = TagList.withoutWhiteSpace(value);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '=') {
                out.write(c);
                continue;
            }
            try {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw DkimException.permerror("bad quoted-printable: " + value);
            }
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static long number(String value, String tag) throws DkimException {
        if (!value.matches("[0-9]{1,18}")) {
            throw DkimException.permerror("not a number: " + tag + "=" + value);
        }
        return Long.parseLong(value);
    }

    static byte[] base64(String value, String tag) throws DkimException {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw DkimException.permerror("bad base64 in " + tag + "=");
        }
    }
}
