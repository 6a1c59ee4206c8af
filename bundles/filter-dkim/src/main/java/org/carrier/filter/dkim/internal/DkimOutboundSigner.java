package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.AddressList;
import org.carrier.api.message.HeaderField;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.filter.dkim.internal.DkimFilter.Config;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM signing on the outbound stage (RFC 6376 §5), the one place Carrier signs: each message is signed as it
 * leaves for another host, on the content exactly as sent (after any 8BITMIME downgrade), so relayed mail, DSNs,
 * reports, bin/sendmail submissions, held-then-released mail and mail forwarded by an alias all leave signed.
 * <ul>
 * <li>Mail submitted or made here ({@link OutboundMessage#submittedHere()}) is signed with every key of its From
 * domain (the first address of the first From field, as the SMTP server reads it), else with those of the
 * {@code signingDomain}. Several keys of one domain (RSA and Ed25519, RFC 8463 §3) give one signature each.</li>
 * <li>Mail from elsewhere that an alias of ours forwards ({@link OutboundMessage#forwarded()}) is signed with the
 * {@code signingDomain}'s keys only, as the forwarder's own signature; never with a domain aligned with its From
 * (RFC 7489 §3.1), which would vouch for an author we did not check.</li>
 * <li>Anything else is not signed, whatever its From says: RFC 6376 §1.2, a signature takes responsibility.</li>
 * </ul>
 * Configuration: the DKIM filter's PID ({@code signingKeys}, {@code signingDomain}, {@code signedHeaders},
 * {@code canonicalization}); the filter verifies, this component signs. Ranked 500, above ARC sealing (100), which
 * must seal the message with its DKIM signature on (RFC 8617 §5.1).
 */
@Component(service = OutboundFilter.class, configurationPid = DkimFilter.PID,
        property = {OutboundFilter.NAME + "=dkim", "service.ranking:Integer=500"})
public class DkimOutboundSigner implements OutboundFilter {
    private static final Logger LOG = LoggerFactory.getLogger(DkimOutboundSigner.class);

    /** What is in force: the signer and the keys by domain, each domain's keys in configuration order. */
    record Signing(Signer signer, Map<String, List<SigningKey>> keys, String signingDomain) {
    }

    private final Path configFolder;
    private final Clock clock;
    /**
     * The DKIM filter's configuration (one PID: existing configurations keep working), of which only the signing
     * keys are read and checked here, so that a bad verification setting is logged once, by the filter.
     */
    private final ConfigGuard<Config, Signing> configuration =
            new ConfigGuard<Config, Signing>(Config.class, "DKIM signing", LOG::error)
            .readsOnly("signingKeys", "signingDomain", "signedHeaders", "canonicalization");
    private volatile Signing signing;

    @Activate
    public DkimOutboundSigner(BundleContext context, Config config, Map<String, Object> properties) {
        this(DkimFilter.configFolder(context), Clock.systemUTC(), config, properties);
    }

    /** For tests. */
    DkimOutboundSigner(Path configFolder, Clock clock, Config config, Map<String, Object> properties) {
        this.configFolder = configFolder;
        this.clock = clock;
        configure(config, properties);
    }

    @Modified
    void configure(Config config, Map<String, Object> properties) {
        signing = configuration.apply(config, properties, this::signing);
    }

    private Signing signing(Config config) {
        Signing old = signing;
        return new Signing(signer(config),
                loadKeys(config.signingKeys(), configFolder, old == null ? Map.of() : old.keys(), true),
                config.signingDomain().strip().toLowerCase(Locale.ROOT));
    }

    /** A canonicalization other than header/body of relaxed or simple refuses the change (one line, last good stays). */
    private static Signer signer(Config config) {
        String[] canon = config.canonicalization().split("/", -1);
        Canonicalization header = Canonicalization.named(canon[0].strip());
        Canonicalization body = canon.length == 2 ? Canonicalization.named(canon[1].strip()) : null;
        if (header == null || body == null) {
            throw new ConfigProblem("canonicalization", config.canonicalization(), "header/body, each relaxed or simple");
        }
        return new Signer(header, body, ConfigLists.names("signedHeaders", config.signedHeaders()));
    }

    /**
     * Loads each key. One that cannot be read is one ERROR line naming the entry's file and domain; the last good
     * key of that domain and selector stays in force, and without one that domain's mail goes out unsigned (mail
     * still flows; a receiver treats it as unsigned, RFC 6376 §6.1). The ARC sealer loads its keys here too, with
     * {@code log} false: the same entries are logged once, by this signer.
     */
    static Map<String, List<SigningKey>> loadKeys(String[] entries, Path configFolder, Map<String, List<SigningKey>> previous,
                                                 boolean log) {
        Map<String, List<SigningKey>> keys = new LinkedHashMap<>();
        for (String entry : ConfigLists.names("signingKeys", entries)) {
            try {
                SigningKey key = SigningKey.load(entry, configFolder);
                keys.computeIfAbsent(key.domain(), d -> new ArrayList<>()).add(key);
            } catch (IllegalArgumentException e) {
                String[] parts = entry.split(":", 3);
                String domain = parts[0].strip().toLowerCase(Locale.ROOT);
                String selector = parts.length > 1 ? parts[1].strip() : "";
                Optional<SigningKey> kept = previous.getOrDefault(domain, List.of()).stream()
                        .filter(k -> k.selector().equals(selector)).findFirst();
                if (log) {
                    LOG.error("configuration {}: signingKeys: {} (domain {}); {}", DkimFilter.PID, e.getMessage(), domain,
                            kept.isPresent() ? "keeping the last good key of " + domain + " selector " + selector
                                    : "mail of " + domain + " goes out without this signature");
                }
                kept.ifPresent(k -> keys.computeIfAbsent(domain, d -> new ArrayList<>()).add(k));
            }
        }
        keys.replaceAll((domain, list) -> List.copyOf(list));
        return Map.copyOf(keys);
    }

    @Override
    public OutboundResult filter(OutboundMessage message) throws IOException, GeneralSecurityException {
        Signing current = signing;
        List<SigningKey> keys = keysFor(current, message);
        if (keys.isEmpty()) {
            return OutboundResult.unchanged();
        }
        List<HeaderField> signatures = new ArrayList<>(keys.size());
        for (SigningKey key : keys) {
            try (InputStream in = message.content().open()) {
                signatures.add(new HeaderField(DkimSignature.FIELD, current.signer().sign(key, in, clock.instant())));
            }
        }
        LOG.debug("{}: dkim: signed with {}", message.queueId(), keys.stream().map(k -> k.domain() + "/" + k.selector()).toList());
        return OutboundResult.prepend(signatures);
    }

    /**
     * The keys to sign with, by the rules of the class comment; empty: not signed. The envelope's marks are read
     * before the header, so mail this site does not sign costs no header parse.
     */
    private static List<SigningKey> keysFor(Signing current, OutboundMessage message) {
        List<SigningKey> fallback = current.keys().getOrDefault(current.signingDomain(), List.of());
        if (current.keys().isEmpty() || !message.submittedHere() && (!message.forwarded() || fallback.isEmpty())) {
            return List.of();
        }
        String from = fromDomain(message.header());
        if (message.submittedHere()) {
            List<SigningKey> own = current.keys().getOrDefault(from, List.of());
            return own.isEmpty() ? fallback : own;
        }
        if (aligned(current.signingDomain(), from)) {
            LOG.info("{}: dkim: not signing forwarded mail from elsewhere: its From domain {} is aligned with the "
                    + "signing domain {}", message.queueId(), from, current.signingDomain());
            return List.of();
        }
        return fallback;
    }

    /**
     * RFC 7489 §3.1.1 relaxed alignment, as far as it can be told without the public suffix list: the same domain,
     * or one a subdomain of the other.
     */
    private static boolean aligned(String signingDomain, String from) {
        return from.equals(signingDomain) || from.endsWith("." + signingDomain) || signingDomain.endsWith("." + from);
    }

    /**
     * The From domain: the first address of the first From field (RFC 5322 §3.6.2), read as the SMTP server reads
     * it when it checks who owns that address; lower case, no final dot; empty when there is none.
     */
    static String fromDomain(List<HeaderField> header) {
        return header.stream().filter(h -> h.name().equalsIgnoreCase("from")).findFirst()
                .flatMap(h -> AddressList.addresses(h.value().replace("\r\n", "")).stream().findFirst())
                .map(DkimOutboundSigner::domainOf).orElse("");
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
    }
}
