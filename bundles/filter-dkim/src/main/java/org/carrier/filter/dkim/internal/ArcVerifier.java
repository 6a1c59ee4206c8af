package org.carrier.filter.dkim.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.carrier.api.dns.DnsResolver;

/**
 * Validates the ARC chain of a message (RFC 8617 §5.2), reading it once: the structure first (instances 1..N, one
 * field of each kind per instance, at most 50, the cv= rules), then the latest ARC-Message-Signature as a DKIM
 * signature is checked, then every ARC-Seal from N down to 1 over the ARC fields up to its instance, in order. The
 * older message signatures are checked too, for {@code oldest-pass} (step 5). Key records are DKIM's, fetched over DNS
 * the same way, all lookups started before the body is hashed.
 */
final class ArcVerifier {
    private final KeyFetcher keys;
    private final VerifierSettings settings;

    ArcVerifier(DnsResolver resolver, VerifierSettings settings) {
        this.keys = new KeyFetcher(resolver);
        this.settings = settings;
    }

    ArcResult verify(InputStream content) throws IOException {
        InputStream in = new BufferedInputStream(content, 64 * 1024);
        RawHeader header = RawHeader.read(in);
        ArcChain chain = ArcChain.read(header);
        if (chain.isEmpty()) {
            return ArcResult.NONE;
        }
        if (chain.problem().isPresent()) {
            return ArcResult.fail(chain.problem().get(), chain.highest());
        }
        return verify(chain, header, in);
    }

    private ArcResult verify(ArcChain chain, RawHeader header, InputStream body) throws IOException {
        int n = chain.highest();
        Map<String, CompletableFuture<String>> lookups = new HashMap<>();
        List<PendingCheck> messageSignatures = new ArrayList<>();
        List<DkimSignature> seals = new ArrayList<>();
        for (ArcChain.ArcSet set : chain.sets()) {
            messageSignatures.add(messageSignatureCheck(set, header, lookups));
        }
        for (ArcChain.ArcSet set : chain.sets()) {
            try {
                DkimSignature seal = DkimSignature.ofArc(set.seal(), tags(set.seal()), true);
                lookup(seal, lookups);
                seals.add(seal);
            } catch (DkimException e) {
                return ArcResult.fail(ArcChain.SEAL + " i=" + set.instance() + ": " + e.getMessage(), n);
            }
        }
        Verifier.streamBody(body, messageSignatures);
        List<Verification> verified = messageSignatures.stream().map(PendingCheck::finish).toList();
        Verification latest = verified.get(n - 1);
        if (latest.outcome() != Outcome.PASS) {
            return ArcResult.fail(ArcChain.MESSAGE_SIGNATURE + " i=" + n + ": " + latest.reason(), n);
        }
        for (int i = n; i >= 1; i--) {
            String failure = sealFailure(chain, i, seals.get(i - 1), lookups);
            if (failure != null) {
                return ArcResult.fail(ArcChain.SEAL + " i=" + i + ": " + failure, n);
            }
        }
        DkimSignature newest = seals.get(n - 1);
        return new ArcResult("pass", null, n, oldestPass(verified), newest.domain(), newest.selector());
    }

    private PendingCheck messageSignatureCheck(ArcChain.ArcSet set, RawHeader header, Map<String, CompletableFuture<String>> lookups) {
        try {
            DkimSignature signature = DkimSignature.ofArc(set.messageSignature(), tags(set.messageSignature()), false);
            return new DkimCheck(signature, header, lookup(signature, lookups), settings);
        } catch (DkimException e) {
            return PendingCheck.decided(new Verification("arc", e.outcome(), e.getMessage(), null, null, null, ""));
        }
    }

    private CompletableFuture<String> lookup(DkimSignature signature, Map<String, CompletableFuture<String>> lookups) {
        return lookups.computeIfAbsent(signature.keyName(), keys::start);
    }

    private static TagList tags(String field) throws DkimException {
        return TagList.parse(field.substring(field.indexOf(':') + 1));
    }

    /** RFC 8617 §5.2 step 5: if every older message signature validates, 0; else the oldest of the run that does. */
    private static int oldestPass(List<Verification> messageSignatures) {
        for (int i = messageSignatures.size() - 1; i >= 1; i--) {
            if (messageSignatures.get(i - 1).outcome() != Outcome.PASS) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Why the seal of instance {@code i} does not validate, or {@code null} when it does. */
    private String sealFailure(ArcChain chain, int i, DkimSignature seal, Map<String, CompletableFuture<String>> lookups) {
        try {
            String record = KeyFetcher.await(lookups.get(seal.keyName()), seal.keyName(), settings.keyLookupTimeout());
            PublicKey key = KeyRecord.parse(record).check(seal, settings.minRsaKeyBits(), false);
            return Signatures.matches(seal.algorithm(), key, sealedData(chain, i, seal), seal.signature())
                    ? null : "signature did not verify";
        } catch (DkimException e) {
            return e.getMessage();
        }
    }

    /**
     * RFC 8617 §5.1.1: the ARC fields of instances 1..i in instance order, each set as AAR, AMS, AS, relaxed with
     * CRLF; the seal itself last, with b= empty and no CRLF.
     */
    static byte[] sealedData(ArcChain chain, int i, DkimSignature seal) {
        List<String> fields = new ArrayList<>();
        for (ArcChain.ArcSet set : chain.sets().subList(0, i)) {
            fields.addAll(set.inSealOrder());
        }
        fields.remove(fields.size() - 1);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String field : fields) {
            data.writeBytes((Canonicalization.RELAXED.header(field) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        data.writeBytes(Canonicalization.RELAXED.header(seal.withoutSignature()).getBytes(StandardCharsets.ISO_8859_1));
        return data.toByteArray();
    }
}
