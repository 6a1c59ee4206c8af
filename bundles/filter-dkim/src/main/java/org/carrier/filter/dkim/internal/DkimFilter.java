package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.RenamedKey;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.AddressList;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.HostName;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.text.Printable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM at the data stage: verifies the signatures of mail from clients that may not relay (RFC 6376 §6) and reports
 * one result per signature; signs mail from clients that may relay when a key for the From domain, or the configured
 * signing domain, is set up (RFC 6376 §5): a trusted client's mail, and an authenticated user's mail whose From the
 * user owns ({@link MessageView#fromOwnedByUser()}, the SMTP server's sender-login rule), never a user's mail in
 * someone else's name.
 */
@Component(configurationPid = DkimFilter.PID,
        property = {SmtpFilter.NAME + "=dkim", "service.ranking:Integer=500"})
@Designate(ocd = DkimFilter.Config.class)
public class DkimFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.dkim";
    private static final Logger LOG = LoggerFactory.getLogger(DkimFilter.class);
    /** RFC 7372 §3.1: "No passing DKIM signature found". */
    private static final SmtpReply NO_PASS = new SmtpReply(550, "5.7.20", "No passing DKIM signature found");

    @ObjectClassDefinition(name = "Carrier filter: DKIM",
            description = "Verifies DKIM signatures of incoming mail and signs mail from relaying clients.")
    public @interface Config {
        @AttributeDefinition(name = "Verify", description = "Verify signatures of mail from clients that may not relay.")
        boolean verify() default true;

        @AttributeDefinition(name = "Signatures to verify", description = "At most this many per message; more are reported permerror.")
        int maxSignatures() default 5;

        @AttributeDefinition(name = "Action on fail", description = "No signature passed and one failed (bad signature, body changed).")
        PolicyAction failAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Action on permerror", description = "No signature passed and one could not be checked (syntax, no key, revoked key).")
        PolicyAction permerrorAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Action on temperror", description = "No signature passed and a key could not be fetched for now.")
        PolicyAction temperrorAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Action on unsigned mail")
        PolicyAction noneAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Tag header", description = "Added by TAG and HOLD, e.g. X-Carrier-Policy: dkim=fail.")
        String tagHeader() default "X-Carrier-Policy";

        @AttributeDefinition(name = "Accept rsa-sha1", description = "RFC 8301 §3.1 says verifiers must not; for old mail only.")
        boolean allowRsaSha1() default false;

        @AttributeDefinition(name = "Smallest RSA key (bits)", description = "RFC 8301 §3.2: 1024.")
        int minRsaKeyBits() default 1024;

        @AttributeDefinition(name = "Legacy forms", description = "Also verify pre-standard draft signatures, the RFC 4871 g= key tag and DomainKeys (RFC 4870).")
        boolean legacy() default false;

        @AttributeDefinition(name = "DNS timeout (ms)", min = "1", description = "The longest wait for one key record (RFC 6376 §3.6.2.2).")
        int dnsTimeoutMillis() default 10_000;

        @AttributeDefinition(name = "Signing keys", description = "domain:selector:keyfile (comma-separated in a .cfg file), the key file PEM PKCS#8 (RSA or Ed25519), relative to the configuration folder or absolute.")
        String[] signingKeys() default {};

        @AttributeDefinition(name = "Signing domain", description = "Sign with this domain's key when the From domain has none; empty: only From domains.")
        String signingDomain() default "";

        @AttributeDefinition(name = "Signed header fields", description = "Signed when present; From is signed once more than present.")
        String[] signedHeaders() default {"from", "to", "cc", "subject", "date", "message-id", "reply-to", "in-reply-to",
            "references", "mime-version", "content-type", "content-transfer-encoding"};

        @AttributeDefinition(name = "Canonicalization", description = "header/body for signing: relaxed or simple each.")
        String canonicalization() default "relaxed/relaxed";

        @AttributeDefinition(name = "Verify ARC", description = "Validate the ARC chain of mail from clients that may not relay (RFC 8617 §5.2): arc=pass/fail/none in Authentication-Results.")
        boolean arcVerify() default true;

        @AttributeDefinition(name = "Seal forwarded mail with ARC", description = "Add an ARC set (RFC 8617 §5.1) to mail an alias forwards to another domain, when a signing key is set up for the sealing domain.")
        boolean arcSeal() default true;

        @AttributeDefinition(name = "ARC sealing domain", description = "Seal with this domain's signing key; empty: the forwarding alias's domain when it has a key, else the signing domain.")
        String arcSealDomain() default "";

        @AttributeDefinition(name = "ARC authserv-id", description = "The name in this host's Authentication-Results fields, copied into ARC-Authentication-Results; empty: this host's name (carrier.hostname). Set it when listeners have their own hostname.")
        String arcAuthservId() default "";
    }

    /** What is in force: replaced whole by {@link #configure}, so a session sees one consistent state. */
    private record State(Config config, Verifier verifier, Signer signer, Map<String, SigningKey> keys, String tagHeader,
                         ArcVerifier arcVerifier, ArcSealer.Settings sealing) {
    }

    private final DnsResolver resolver;
    private final Path configFolder;
    private final Clock clock;
    private final ArcSealer sealer;
    private ServiceRegistration<OutboundFilter> sealerRegistration;
    private final FilterConfiguration<Config, State> configuration =
            new FilterConfiguration<Config, State>(Config.class, PID, "the DKIM filter", LOG::error)
            .renamed(LOG::warn, RenamedKey.secondsToMillis("keyLookupTimeoutSeconds", "dnsTimeoutMillis"));

    @Activate
    public DkimFilter(@Reference DnsResolver resolver, BundleContext context, Config config, Map<String, Object> properties) {
        this(resolver, configFolder(context), Clock.systemUTC(), config, properties);
        // A service of its own: the outbound stage orders filters by ranking, and the seal comes after DKIM (RFC 8617 §5.1).
        sealerRegistration = context.registerService(OutboundFilter.class, sealer, new Hashtable<>(Map.of(
                OutboundFilter.NAME, "arc", Constants.SERVICE_RANKING, 100)));
    }

    @Deactivate
    void deactivate() {
        if (sealerRegistration != null) {
            sealerRegistration.unregister();
            sealerRegistration = null;
        }
    }

    /** For tests. */
    DkimFilter(DnsResolver resolver, Path configFolder, Clock clock, Config config) {
        this(resolver, configFolder, clock, config, Map.of());
    }

    private DkimFilter(DnsResolver resolver, Path configFolder, Clock clock, Config config, Map<String, Object> properties) {
        this.resolver = resolver;
        this.configFolder = configFolder;
        this.clock = clock;
        this.sealer = new ArcSealer(() -> configuration.settings().sealing(), clock);
        configure(config, properties);
    }

    /** FileInstall's watched folder, where the configuration files (and so the key files next to them) live. */
    private static Path configFolder(BundleContext context) {
        String dir = context.getProperty("felix.fileinstall.dir");
        return Path.of(dir == null || dir.isBlank() ? "config" : dir);
    }

    /** A value that cannot be read (a number that is none) refuses the whole change, in one line; the state in force stays. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::state);
    }

    private State state(Config config) {
        State old = configuration.settings();
        VerifierSettings verifying = new VerifierSettings(Math.max(1, config.maxSignatures()),
                config.allowRsaSha1(), config.minRsaKeyBits(), config.legacy(),
                Duration.ofMillis(Math.max(1, config.dnsTimeoutMillis())));
        Signer signer = signer(config, old);
        String tagHeader = configuration.tagHeader(config.tagHeader(), State::tagHeader);
        Map<String, SigningKey> keys = keys(config.signingKeys(), old == null ? Map.of() : old.keys());
        ArcVerifier arcVerifier = new ArcVerifier(resolver, verifying);
        return new State(config, new Verifier(resolver, verifying), signer, keys, tagHeader, arcVerifier,
                sealing(config, keys, arcVerifier));
    }

    /**
     * RFC 8617 §4.1.2: the message signature of a set signs what DKIM signs, and the DKIM-Signature fields (the
     * outbound DKIM filter ranks above the sealer); relaxed/relaxed, the canonicalization ARC sealers use.
     */
    private static ArcSealer.Settings sealing(Config config, Map<String, SigningKey> keys, ArcVerifier verifier) {
        List<String> signed = new java.util.ArrayList<>(ConfigLists.names("signedHeaders", config.signedHeaders()));
        signed.removeIf(name -> name.toLowerCase(Locale.ROOT).startsWith("arc-")
                || name.equalsIgnoreCase("authentication-results"));
        signed.add(DkimSignature.FIELD.toLowerCase(Locale.ROOT));
        String authservId = config.arcAuthservId().isBlank() ? HostName.local() : config.arcAuthservId().strip();
        return new ArcSealer.Settings(config.arcSeal(), keys, config.arcSealDomain().strip().toLowerCase(Locale.ROOT),
                config.signingDomain().strip().toLowerCase(Locale.ROOT), authservId,
                new Signer(Canonicalization.RELAXED, Canonicalization.RELAXED, signed), verifier);
    }

    private static Signer signer(Config config, State old) {
        String[] canon = config.canonicalization().split("/", -1);
        Canonicalization header = Canonicalization.named(canon[0].strip());
        Canonicalization body = canon.length == 2 ? Canonicalization.named(canon[1].strip()) : null;
        if (header == null || body == null) {
            LOG.error("configuration {}: canonicalization: not header/body of relaxed or simple: {}; {}", PID,
                    config.canonicalization(), old == null ? "using relaxed/relaxed" : "keeping the last good setting");
            return old == null ? new Signer(Canonicalization.RELAXED, Canonicalization.RELAXED,
                    ConfigLists.names("signedHeaders", config.signedHeaders())) : old.signer();
        }
        return new Signer(header, body, ConfigLists.names("signedHeaders", config.signedHeaders()));
    }


    /** Loads each key; a broken one is logged and the last good key of its domain stays in force. */
    private Map<String, SigningKey> keys(String[] entries, Map<String, SigningKey> previous) {
        Map<String, SigningKey> keys = new HashMap<>();
        for (String entry : ConfigLists.names("signingKeys", entries)) {
            try {
                SigningKey key = SigningKey.load(entry, configFolder);
                keys.put(key.domain(), key);
            } catch (IllegalArgumentException e) {
                String domain = entry.split(":", 2)[0].strip().toLowerCase(Locale.ROOT);
                SigningKey kept = previous.get(domain);
                LOG.error("configuration {}: signingKeys: {}; {}", PID, e.getMessage(),
                        kept == null ? "mail of " + domain + " is not signed" : "keeping the last good key of " + domain);
                if (kept != null) {
                    keys.put(domain, kept);
                }
            }
        }
        return Map.copyOf(keys);
    }

    /** Signing and verifying need the whole message: the data stage only. */
    @Override
    public Set<FilterStage> stages() {
        return Set.of(FilterStage.DATA);
    }

    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState transaction) {
        State current = configuration.settings();
        try {
            if (session.relayPermitted()) {
                return mayBeSigned(session, message) ? sign(current, message) : FilterResult.proceed();
            }
            FilterResult verified = current.config().verify() ? verify(current, message) : FilterResult.proceed();
            return current.config().arcVerify() ? withArc(current, message, verified) : verified;
        } catch (IOException e) {
            LOG.warn("{}: dkim: cannot read the message: {}", message.queueId(), e.getMessage());
            return FilterResult.tempfail(451, "4.3.0", "Cannot read the message; try again later");
        }
    }

    /**
     * A signature vouches for the From domain (RFC 6376 §1.2): an authenticated user's mail is signed only when the user
     * owns its From; a trusted network's clients (no user) are trusted with any From.
     */
    private static boolean mayBeSigned(SessionInfo session, MessageView message) {
        if (session.authenticatedUser() == null || message.fromOwnedByUser()) {
            return true;
        }
        LOG.info("{}: dkim: not signing: user {} does not own the From address", message.queueId(),
                Printable.text(session.authenticatedUser()));
        return false;
    }

    private FilterResult verify(State current, MessageView message) throws IOException {
        List<Verification> results;
        try (InputStream in = message.openContent()) {
            results = current.verifier().verify(in, clock.instant());
        }
        Outcome outcome = decisive(results);
        FilterResult result = action(current.config(), outcome)
                .apply(NO_PASS, new HeaderField(current.tagHeader(), "dkim=" + outcome.keyword()));
        for (Verification v : results) {
            result = result.withAuthResult(v.toAuthResult());
        }
        return results.isEmpty() ? result.withAuthResult(AuthResult.of("dkim", "none")) : result;
    }

    /**
     * The ARC chain's validation (RFC 8617 §5.2) as one more result: filter-dmarc reads it in the same transaction
     * ({@link MessageView#authResults()}), and the sealer copies it into cv= when it forwards the message.
     */
    private static FilterResult withArc(State current, MessageView message, FilterResult result) throws IOException {
        ArcResult arc;
        try (InputStream in = message.openContent()) {
            arc = current.arcVerifier().verify(in);
        }
        if (arc.result().equals("fail")) {
            LOG.info("{}: arc: fail: {}", message.queueId(), arc.reason());
        } else if (arc.passed()) {
            LOG.info("{}: arc: pass: {} set(s), sealed last by {}", message.queueId(), arc.instance(), arc.sealer());
        }
        return result.withAuthResult(arc.toAuthResult());
    }

    /** The sealer of forwarded mail on the outbound stage, with the settings in force when it runs. */
    ArcSealer arcSealer() {
        return sealer;
    }

    /** The outcome that decides the action: any pass wins; else fail, temperror, permerror in that order; none if unsigned. */
    static Outcome decisive(List<Verification> results) {
        List<Outcome> outcomes = results.stream().filter(v -> v.method().equals("dkim")).map(Verification::outcome).toList();
        for (Outcome o : List.of(Outcome.PASS, Outcome.FAIL, Outcome.TEMPERROR, Outcome.PERMERROR)) {
            if (outcomes.contains(o)) {
                return o;
            }
        }
        return Outcome.NONE;
    }

    private static PolicyAction action(Config config, Outcome outcome) {
        return switch (outcome) {
            case FAIL -> config.failAction();
            case TEMPERROR -> config.temperrorAction();
            case PERMERROR -> config.permerrorAction();
            case NONE -> config.noneAction();
            default -> PolicyAction.ACCEPT;
        };
    }

    private FilterResult sign(State current, MessageView message) throws IOException {
        Optional<SigningKey> key = signingKey(current, message);
        if (key.isEmpty()) {
            return FilterResult.proceed();
        }
        try (InputStream in = message.openContent()) {
            String value = current.signer().sign(key.get(), in, clock.instant());
            return FilterResult.proceed().withHeader(DkimSignature.FIELD, value);
        } catch (GeneralSecurityException e) {
            LOG.error("{}: dkim: signing for {} with selector {} failed: {}", message.queueId(), key.get().domain(), key.get().selector(),
                    e.getMessage());
            return FilterResult.proceed();
        }
    }

    /**
     * The key of the From domain (RFC 5322 §3.6.2: the first address of the first From field, read as the SMTP server
     * reads it when it checks who owns that address), else of the configured signing domain.
     */
    private static Optional<SigningKey> signingKey(State current, MessageView message) {
        Optional<String> fromDomain = message.headers().stream().filter(h -> h.name().equalsIgnoreCase("from")).findFirst()
                .flatMap(h -> AddressList.addresses(h.value()).stream().findFirst())
                .map(DkimFilter::domainOf);
        Optional<SigningKey> own = fromDomain.map(current.keys()::get);
        if (own.isPresent()) {
            return own;
        }
        String fallback = current.config().signingDomain().strip().toLowerCase(Locale.ROOT);
        return Optional.ofNullable(current.keys().get(fallback));
    }

    /** The domain of an address, in lower case and without a final dot; empty when it has none. */
    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
    }
}
