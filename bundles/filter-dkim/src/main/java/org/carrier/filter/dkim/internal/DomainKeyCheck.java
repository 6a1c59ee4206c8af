package org.carrier.filter.dkim.internal;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The verification of a DomainKey-Signature (RFC 4870, historic), only with the legacy setting: the SHA-1 hash of
 * the header fields below the signature, a blank line and the body, signed with RSA.
 */
final class DomainKeyCheck implements PendingCheck {
    static final String FIELD = "DomainKey-Signature";
    /** RFC 3447 §9.2 note 1: the DigestInfo prefix of a SHA-1 hash, for a PKCS#1 v1.5 check of a hash computed here. */
    private static final byte[] SHA1_DIGEST_INFO = HexFormat.of().parseHex("3021300906052b0e03021a05000414");
    private static final Pattern ADDRESS = Pattern.compile("([^\\s<>\"@,;:]+)@([A-Za-z0-9.-]+)");

    private final TagList tags;
    private final String domain;
    private final String senderLocalPart;
    private final CompletableFuture<String> keyRecord;
    private final VerifierSettings settings;
    private final MessageDigest digest;
    private final OutputStream body;

    private DomainKeyCheck(TagList tags, String domain, String senderLocalPart, CompletableFuture<String> keyRecord,
                           VerifierSettings settings, MessageDigest digest, OutputStream body) {
        this.tags = tags;
        this.domain = domain;
        this.senderLocalPart = senderLocalPart;
        this.keyRecord = keyRecord;
        this.settings = settings;
        this.digest = digest;
        this.body = body;
    }

    /** Checks the signature's tags and hashes the header fields it covers; the body follows through {@link #bodySink()}. */
    static PendingCheck start(String field, RawHeader header, KeyFetcher keys, VerifierSettings settings) {
        TagList tags = null;
        try {
            tags = TagList.parse(field.substring(field.indexOf(':') + 1));
            String domain = tags.required("d").toLowerCase(Locale.ROOT);
            // RFC 4870 §3.3: a= defaults to rsa-sha1, its only algorithm.
            if (tags.has("a") && !"rsa-sha1".equalsIgnoreCase(tags.get("a"))) {
                throw DkimException.permerror("unsupported algorithm a=" + tags.get("a"));
            }
            // RFC 4870 §3.3: "dns" is the only query method.
            if (tags.has("q") && !"dns".equalsIgnoreCase(tags.get("q"))) {
                throw DkimException.permerror("unsupported query method q=" + tags.get("q"));
            }
            Canonicalization canon = canonicalization(tags.get("c"));
            tags.required("b");
            String selector = tags.required("s").toLowerCase(Locale.ROOT);
            List<String> covered = covered(header, field, tags.get("h"));
            String[] sender = sender(covered);
            // RFC 4870 §3.3: the sending domain must be the signing domain or below it.
            if (!sender[1].equals(domain) && !sender[1].endsWith("." + domain)) {
                throw DkimException.permerror("sender domain " + sender[1] + " is not within d=" + domain);
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            for (String f : covered) {
                digest.update((canon.header(f) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            digest.update(new byte[] {'\r', '\n'});
            OutputStream body = canon.body(new OutputStream() {
                @Override
                public void write(int b) {
                    digest.update((byte) b);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    digest.update(bytes, offset, length);
                }
            });
            return new DomainKeyCheck(tags, domain, sender[0],
                    keys.start(selector + "._domainkey." + domain), settings, digest, body);
        } catch (DkimException e) {
            return PendingCheck.decided(verdict(tags, e.outcome(), e.getMessage()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }

    /** RFC 4870 §3.4: simple (the default) or nofws. */
    private static Canonicalization canonicalization(String value) throws DkimException {
        if (value == null || value.equalsIgnoreCase("simple")) {
            return Canonicalization.SIMPLE;
        }
        if (value.equalsIgnoreCase("nofws")) {
            return Canonicalization.NOFWS;
        }
        throw DkimException.permerror("unsupported canonicalization c=" + value);
    }

    /**
     * RFC 4870 §3.3 h= and §3.5: the fields below the signature; with h=, those of each listed name in the order of
     * the list (every instance of a name, top down), as signers and verifiers of the time did.
     */
    private static List<String> covered(RawHeader header, String signatureField, String names) {
        List<String> fields = header.fields();
        List<String> below = fields.subList(fields.indexOf(signatureField) + 1, fields.size());
        if (names == null) {
            return below;
        }
        return Arrays.stream(TagList.withoutWhiteSpace(names).split(":")).distinct()
                .flatMap(name -> below.stream().filter(f -> RawHeader.named(f, name))).toList();
    }

    /** RFC 4870 §3.1: the sending address is Sender's when there is one, else From's: {local part, domain}. */
    private static String[] sender(List<String> fields) throws DkimException {
        String field = fields.stream().filter(f -> RawHeader.named(f, "sender")).findFirst()
                .or(() -> fields.stream().filter(f -> RawHeader.named(f, "from")).findFirst())
                .orElseThrow(() -> DkimException.permerror("no signed Sender or From"));
        Matcher m = ADDRESS.matcher(RawHeader.value(field));
        if (!m.find()) {
            throw DkimException.permerror("no address in " + RawHeader.name(field));
        }
        return new String[] {m.group(1), m.group(2).toLowerCase(Locale.ROOT)};
    }

    @Override
    public OutputStream bodySink() {
        return body;
    }

    @Override
    public Verification finish() {
        try {
            return verdict(tags, verify() ? Outcome.PASS : Outcome.FAIL, null);
        } catch (DkimException e) {
            return verdict(tags, e.outcome(), e.getMessage());
        }
    }

    private boolean verify() throws DkimException {
        String selector = tags.get("s").toLowerCase(Locale.ROOT);
        KeyRecord key = KeyRecord.parse(KeyFetcher.await(keyRecord, selector + "._domainkey." + domain,
                settings.keyLookupTimeout()));
        if (key.key().length == 0) {
            throw DkimException.permerror("key revoked");
        }
        // RFC 4870 §3.2.3: g= limits the local parts the key may sign for; empty means any.
        String g = key.granularity();
        if (g != null && !g.isEmpty() && !Granularity.matches(g, senderLocalPart)) {
            throw DkimException.permerror("key granularity g=" + g + " does not match the sender");
        }
        try {
            PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(key.key()));
            byte[] hash = digest.digest();
            byte[] digestInfo = Arrays.copyOf(SHA1_DIGEST_INFO, SHA1_DIGEST_INFO.length + hash.length);
            System.arraycopy(hash, 0, digestInfo, SHA1_DIGEST_INFO.length, hash.length);
            Signature rsa = Signature.getInstance("NONEwithRSA");
            rsa.initVerify(publicKey);
            rsa.update(digestInfo);
            return rsa.verify(DkimSignature.base64(TagList.withoutWhiteSpace(tags.get("b")), "b"));
        } catch (SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw DkimException.permerror("unusable key: " + e.getMessage());
        }
    }

    private static Verification verdict(TagList tags, Outcome outcome, String reason) {
        String domain = tags == null || tags.get("d") == null ? null : tags.get("d").toLowerCase(Locale.ROOT);
        return new Verification("domainkeys", outcome, reason, domain, null, null, "");
    }
}
