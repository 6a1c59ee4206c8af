package org.carrier.filter.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The verification of one DKIM-Signature (RFC 6376 §6.1), once parsed. */
final class DkimCheck implements PendingCheck {
    private static final byte[] CRLF = {'\r', '\n'};
    /** RFC 8017 §9.2 note 1: the DER DigestInfo before a SHA-1 or SHA-256 digest. */
    private static final Map<Algorithm, byte[]> DIGEST_INFO_PREFIX = Map.of(
            Algorithm.RSA_SHA1, HexFormat.of().parseHex("3021300906052b0e03021a05000414"),
            Algorithm.RSA_SHA256, HexFormat.of().parseHex("3031300d060960864801650304020105000420"));
    private final DkimSignature signature;
    private final RawHeader header;
    private final CompletableFuture<String> keyRecord;
    private final VerifierSettings settings;
    private final BodyHash bodyHash;

    DkimCheck(DkimSignature signature, RawHeader header, CompletableFuture<String> keyRecord, VerifierSettings settings) {
        this.signature = signature;
        this.header = header;
        this.keyRecord = keyRecord;
        this.settings = settings;
        this.bodyHash = signature.signsBodyInline()
                ? new BodyHash(signature.algorithm(), signature.bodyCanon(), signature.bodyLength(), draftPrefix(), draftSuffix())
                : new BodyHash(signature.algorithm(), signature.bodyCanon(), signature.bodyLength());
    }

    @Override
    public OutputStream bodySink() {
        return bodyHash.sink();
    }

    @Override
    public Verification finish() {
        DkimSignature.Names names = new DkimSignature.Names(signature.domain(), signature.selector(),
                signature.algorithm().tagValue(), signature.bTag());
        try {
            verify();
            // RFC 6376 §8.2: with l= a signature covers only part of the body; noted so readers know.
            String note = signature.bodyLength() >= 0 ? "signed body length l=" + signature.bodyLength() : null;
            return Verification.of("dkim", Outcome.PASS, note, names);
        } catch (DkimException e) {
            return Verification.of("dkim", e.outcome(), e.getMessage(), names);
        }
    }

    private void verify() throws DkimException {
        // RFC 6376 §6.1.2 first (the key), then §6.1.3 (the hashes).
        KeyRecord key = KeyRecord.parse(awaitKey());
        PublicKey publicKey = key.check(signature, settings.minRsaKeyBits(), settings.legacy());
        if (signature.algorithm() == Algorithm.RSA_SHA1 && !settings.allowRsaSha1()) {
            throw DkimException.fail("rsa-sha1 is not accepted (RFC 8301)");
        }
        if (signature.bodyLength() > bodyHash.canonicalLength()) {
            throw DkimException.fail("l=" + signature.bodyLength() + " is longer than the body");
        }
        if (signature.signsBodyInline()) {
            if (!draftSignatureMatches(publicKey)) {
                throw DkimException.fail("signature did not verify");
            }
            return;
        }
        if (!MessageDigest.isEqual(bodyHash.digest(), signature.bodyHash())) {
            throw DkimException.fail("body hash did not verify");
        }
        if (!signatureMatches(publicKey)) {
            throw DkimException.fail("signature did not verify");
        }
    }

    private String awaitKey() throws DkimException {
        return KeyFetcher.await(keyRecord, signature.keyName(), settings.keyLookupTimeout());
    }

    private boolean signatureMatches(PublicKey key) throws DkimException {
        return Signatures.matches(signature.algorithm(), key, signedHeaderData(), signature.signature());
    }

    /** RFC 6376 §3.7: the selected header fields, each with CRLF, then this signature field with b= empty, no CRLF. */
    private byte[] signedHeaderData() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(canonicalSignedFields());
        data.writeBytes(canonicalSignatureField());
        return data.toByteArray();
    }

    private byte[] canonicalSignedFields() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Canonicalization canon = signature.headerCanon();
        for (String field : header.select(signature.signedHeaders(), signature.raw())) {
            data.writeBytes((canon.header(field) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        return data.toByteArray();
    }

    private byte[] canonicalSignatureField() {
        return signature.headerCanon().header(signature.withoutSignature()).getBytes(StandardCharsets.ISO_8859_1);
    }

    /*
     * draft-ietf-dkim-base-00 (before bh= existed) signs one hash over the selected header fields, a CRLF, the
     * canonical body, a CRLF and the signature field with b= empty: the same parts as RFC 6376 §3.7, with the body
     * between them. Only with the legacy setting (DkimSignature.parse refuses a signature without bh= otherwise).
     */
    private byte[] draftPrefix() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(canonicalSignedFields());
        data.writeBytes(CRLF);
        return data.toByteArray();
    }

    private byte[] draftSuffix() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(CRLF);
        data.writeBytes(canonicalSignatureField());
        return data.toByteArray();
    }

    /** The draft-00 hash is complete once the body is: RSA PKCS#1 v1.5 over its DigestInfo (RFC 8017 §9.2). */
    private boolean draftSignatureMatches(PublicKey key) throws DkimException {
        byte[] prefix = DIGEST_INFO_PREFIX.get(signature.algorithm());
        try {
            Signature verifier = Signature.getInstance("NONEwithRSA");
            verifier.initVerify(key);
            verifier.update(prefix);
            verifier.update(bodyHash.digest());
            return verifier.verify(signature.signature());
        } catch (SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw DkimException.permerror("cannot verify: " + e.getMessage());
        }
    }

    /** The body hash of RFC 6376 §3.7: canonical body, cut at l= when given. */
    static final class BodyHash {
        private final MessageDigest digest;
        private final long limit;
        private final BodyCanonicalizer canonicalizer;
        private long length;
        private byte[] result;

        BodyHash(Algorithm algorithm, Canonicalization canon, long limit) {
            this(algorithm, canon, limit, new byte[0], new byte[0]);
        }

        /** A hash of {@code prefix}, the canonical body (cut at {@code limit}) and {@code suffix}: draft-00's whole hash. */
        BodyHash(Algorithm algorithm, Canonicalization canon, long limit, byte[] prefix, byte[] suffix) {
            try {
                this.digest = MessageDigest.getInstance(algorithm.digest());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks " + algorithm.digest(), e);
            }
            this.limit = limit;
            digest.update(prefix);
            this.canonicalizer = canon.body(new OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int count) {
                    long room = limit < 0 ? count : Math.max(0, Math.min(count, limit - length));
                    digest.update(bytes, offset, (int) room);
                    length += count;
                }

                @Override
                public void close() {
                    digest.update(suffix);
                    result = digest.digest();
                }
            });
        }

        OutputStream sink() {
            return canonicalizer;
        }

        /** The length of the whole canonical body (not cut at l=). */
        long canonicalLength() {
            return length;
        }

        byte[] digest() {
            return result;
        }

        /** The body hash of a whole body given at once (for signing). */
        static byte[] of(Algorithm algorithm, Canonicalization canon, InputStream body) throws IOException {
            BodyHash hash = new BodyHash(algorithm, canon, -1);
            try (OutputStream sink = hash.sink()) {
                body.transferTo(sink);
            }
            return hash.digest();
        }
    }
}
