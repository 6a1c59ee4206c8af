package org.carrier.filter.dkim.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.message.HeaderField;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals forwarded mail with an ARC set (RFC 8617 §5.1) on the outbound stage, below DKIM so that the message signature
 * covers the DKIM-Signature just added: ARC-Authentication-Results with what this host found at reception (its own
 * Authentication-Results field, the one in its authserv-id), ARC-Message-Signature over the message, ARC-Seal over the
 * ARC sets in order. The instance is the highest one found plus one; cv= is none for the first set, else the arc=
 * result this host recorded at reception (validated again now when it recorded none). A chain whose latest seal says
 * cv=fail, or that has 50 sets, is not extended (RFC 8617 §5.1, §4.2.1).
 */
final class ArcSealer implements OutboundFilter {
    private static final Logger LOG = LoggerFactory.getLogger(ArcSealer.class);
    private static final Pattern ARC_RESULT = Pattern.compile("(?:^|;)[ \t\r\n]*arc[ \t\r\n]*=[ \t\r\n]*([a-z]+)",
            Pattern.CASE_INSENSITIVE);

    /**
     * What the sealer works with, from the DKIM filter's configuration.
     *
     * @param enabled       {@code arcSeal}
     * @param keys          the signing keys by domain
     * @param sealDomain    {@code arcSealDomain}: always seal with this domain's key; empty: the forwarding domain's
     *                      key, else {@code signingDomain}'s
     * @param signingDomain {@code signingDomain}
     * @param authservId    the authserv-id of this host's Authentication-Results fields
     * @param signer        signs the ARC-Message-Signature (relaxed/relaxed, the DKIM header list and DKIM-Signature)
     * @param verifier      validates a chain the reception did not (arc= missing from this host's results)
     */
    record Settings(boolean enabled, Map<String, SigningKey> keys, String sealDomain, String signingDomain,
                    String authservId, Signer signer, ArcVerifier verifier) {
    }

    private final Supplier<Settings> settings;
    private final Clock clock;

    ArcSealer(Supplier<Settings> settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public OutboundResult filter(OutboundMessage message) throws IOException, GeneralSecurityException {
        Settings current = settings.get();
        if (!current.enabled() || !message.forwarded()) {
            return OutboundResult.unchanged();
        }
        Optional<SigningKey> key = key(current, message.forwardedBy());
        if (key.isEmpty()) {
            LOG.info("{}: arc: not sealed: no signing key for {}", message.queueId(), sealDomains(current, message.forwardedBy()));
            return OutboundResult.unchanged();
        }
        RawHeader header;
        try (InputStream in = new BufferedInputStream(message.content().open())) {
            header = RawHeader.read(in);
        }
        ArcChain chain = ArcChain.read(header);
        int instance = chain.highest() + 1;
        if (chain.endedByFail() || instance > ArcChain.MAX_INSTANCES) {
            LOG.info("{}: arc: not sealed: {}", message.queueId(), chain.endedByFail()
                    ? "the chain ended with cv=fail at i=" + chain.highest() : "it has " + chain.highest() + " sets already");
            return OutboundResult.unchanged();
        }
        Optional<String> ownResults = ownAuthResults(header, current.authservId());
        String cv = instance == 1 ? "none" : chainValidation(current, ownResults, message);
        List<HeaderField> set = seal(current, key.get(), message, chain, instance, cv, ownResults);
        LOG.info("{}: arc: sealed i={} cv={} d={} s={}", message.queueId(), instance, cv, key.get().domain(), key.get().selector());
        return OutboundResult.prepend(set);
    }

    /** The ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results of the new set, top first. */
    private List<HeaderField> seal(Settings current, SigningKey key, OutboundMessage message, ArcChain chain, int instance,
                                   String cv, Optional<String> ownResults) throws IOException, GeneralSecurityException {
        // RFC 8617 §4.1.1: i=, then this host's results as its Authentication-Results field has them (authserv-id first).
        HeaderField results = new HeaderField(ArcChain.AUTH_RESULTS,
                "i=" + instance + "; " + ownResults.orElse(current.authservId() + "; none"));
        String signature;
        try (InputStream in = message.content().open()) {
            signature = current.signer().sign(ArcChain.MESSAGE_SIGNATURE, List.of("i=" + instance), key, in, clock.instant());
        }
        HeaderField messageSignature = new HeaderField(ArcChain.MESSAGE_SIGNATURE, signature);
        List<String> sealed = new ArrayList<>();
        // A failed chain is sealed over the new set only, as dkimpy does: no verifier checks a cv=fail seal's data
        // (RFC 8617 §5.2 step 2 stops at it), and the sets below it may be unreadable.
        if (!cv.equals("fail")) {
            chain.sets().forEach(s -> sealed.addAll(s.inSealOrder()));
        }
        sealed.add(results.toString());
        sealed.add(messageSignature.toString());
        List<String> tags = new ArrayList<>(List.of("i=" + instance + ";", "cv=" + cv + ";"));
        tags.addAll(Signer.keyTags(key, null, clock.instant()));
        String seal = Signer.signFields(ArcChain.SEAL, tags, key, sealed, Canonicalization.RELAXED);
        return List.of(new HeaderField(ArcChain.SEAL, seal), messageSignature, results);
    }

    /**
     * cv= of a new set on an existing chain (RFC 8617 §5.1.1): what this host found at reception (the arc= result in
     * its own Authentication-Results), or, when it recorded none, the chain validated now.
     */
    private static String chainValidation(Settings current, Optional<String> ownResults, OutboundMessage message) throws IOException {
        Optional<String> recorded = ownResults.map(ARC_RESULT::matcher).filter(Matcher::find).map(m -> m.group(1).toLowerCase(Locale.ROOT));
        if (recorded.isPresent()) {
            return recorded.get().equals("pass") ? "pass" : "fail";
        }
        try (InputStream in = message.content().open()) {
            ArcResult now = current.verifier().verify(in);
            if (!now.passed()) {
                LOG.info("{}: arc: chain validated at sealing: {} ({})", message.queueId(), now.result(), now.reason());
            }
            return now.passed() ? "pass" : "fail";
        }
    }

    /**
     * The value of the topmost Authentication-Results field in this host's authserv-id: the SMTP server wrote it at
     * reception and removed any such field the message brought (RFC 8601 §5).
     */
    static Optional<String> ownAuthResults(RawHeader header, String authservId) {
        for (String field : header.fields()) {
            if (!RawHeader.named(field, "Authentication-Results")) {
                continue;
            }
            String value = field.substring(field.indexOf(':') + 1).strip();
            int semicolon = value.indexOf(';');
            String id = (semicolon < 0 ? value : value.substring(0, semicolon)).strip();
            // RFC 8601 §2.2: authserv-id [CFWS authres-version]; the version, when given, is 1
            id = id.split("[ \t\r\n]+")[0];
            if (id.equalsIgnoreCase(authservId)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** arcSealDomain's key; else the first forwarding domain's that has one; else signingDomain's. */
    private static Optional<SigningKey> key(Settings current, List<String> forwardedBy) {
        if (!current.sealDomain().isEmpty()) {
            return Optional.ofNullable(current.keys().get(current.sealDomain()));
        }
        for (String alias : forwardedBy) {
            SigningKey key = current.keys().get(alias.substring(alias.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT));
            if (key != null) {
                return Optional.of(key);
            }
        }
        return Optional.ofNullable(current.keys().get(current.signingDomain()));
    }

    private static String sealDomains(Settings current, List<String> forwardedBy) {
        if (!current.sealDomain().isEmpty()) {
            return "arcSealDomain " + current.sealDomain();
        }
        List<String> domains = new ArrayList<>(forwardedBy.stream().map(a -> a.substring(a.lastIndexOf('@') + 1)).distinct().toList());
        if (!current.signingDomain().isEmpty()) {
            domains.add(current.signingDomain());
        }
        return domains.isEmpty() ? "the forwarding domain" : String.join(", ", domains);
    }
}
