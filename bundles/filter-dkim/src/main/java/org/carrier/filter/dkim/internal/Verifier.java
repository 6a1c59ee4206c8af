package org.carrier.filter.dkim.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.dns.DnsResolver;

/**
 * Verifies every DKIM signature of a message (RFC 6376 §6), reading the message once: the header section is kept,
 * the body streams through each signature's canonicalizer and hash.
 */
final class Verifier {
    private static final int CHUNK = 64 * 1024;

    private final KeyFetcher keys;
    private final VerifierSettings settings;

    Verifier(DnsResolver resolver, VerifierSettings settings) {
        this.keys = new KeyFetcher(resolver);
        this.settings = settings;
    }

    /** One verification per signature, in the order the fields appear (top first); empty if the message is unsigned. */
    List<Verification> verify(InputStream content, Instant now) throws IOException {
        InputStream in = new BufferedInputStream(content, CHUNK);
        RawHeader header = RawHeader.read(in);
        List<PendingCheck> checks = new ArrayList<>();
        int dkim = 0;
        for (String field : header.fields()) {
            if (RawHeader.named(field, DkimSignature.FIELD)) {
                // RFC 6376 §6.1: verifiers may limit the signatures they check, against denial of service.
                checks.add(++dkim > settings.maxSignatures() ? tooMany(field) : start(field, header, now));
            } else if (settings.legacy() && RawHeader.named(field, DomainKeyCheck.FIELD)) {
                checks.add(DomainKeyCheck.start(field, header, keys, settings));
            }
        }
        if (checks.isEmpty()) {
            return List.of();
        }
        streamBody(in, checks);
        return checks.stream().map(PendingCheck::finish).toList();
    }

    private PendingCheck start(String field, RawHeader header, Instant now) {
        TagList tags;
        try {
            tags = TagList.parse(field.substring(field.indexOf(':') + 1));
        } catch (DkimException e) {
            return PendingCheck.decided(new Verification("dkim", e.outcome(), e.getMessage(), null, null, null, ""));
        }
        try {
            DkimSignature signature = DkimSignature.parse(field, tags, now, settings.legacy());
            return new DkimCheck(signature, header, keys.start(signature.keyName()), settings);
        } catch (DkimException e) {
            return PendingCheck.decided(Verification.of("dkim", e.outcome(), e.getMessage(), DkimSignature.Names.of(tags)));
        }
    }

    private PendingCheck tooMany(String field) {
        DkimSignature.Names names;
        try {
            names = DkimSignature.Names.of(TagList.parse(field.substring(field.indexOf(':') + 1)));
        } catch (DkimException e) {
            names = new DkimSignature.Names(null, null, null, "");
        }
        return PendingCheck.decided(Verification.of("dkim", Outcome.PERMERROR,
                "more than " + settings.maxSignatures() + " signatures; not verified", names));
    }

    /** Streams the body once through every check's sink, then closes the sinks. */
    static void streamBody(InputStream in, List<PendingCheck> checks) throws IOException {
        List<OutputStream> sinks = checks.stream().map(PendingCheck::bodySink).toList();
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (OutputStream sink : sinks) {
                sink.write(buffer, 0, n);
            }
        }
        for (OutputStream sink : sinks) {
            sink.close();
        }
    }
}
