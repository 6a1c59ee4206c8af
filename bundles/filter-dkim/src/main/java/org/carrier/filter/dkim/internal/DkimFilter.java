package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.HostName;
import org.carrier.api.outbound.OutboundFilter;
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
 * one result per signature, and the ARC chain (RFC 8617 §5.2). Mail of clients that may relay is neither verified
 * nor signed here: signing happens once, on the outbound stage, on the content as it is sent
 * ({@link DkimOutboundSigner}, same configuration PID); ARC sealing too ({@link ArcSealer}, registered by this filter).
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
            description = "Verifies DKIM signatures and ARC chains of incoming mail, seals forwarded mail (ARC); signing settings are read by the outbound signer.")
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
    private record State(Config config, Verifier verifier, Map<String, SigningKey> keys, String tagHeader,
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
    static Path configFolder(BundleContext context) {
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
        String tagHeader = configuration.tagHeader(config.tagHeader(), State::tagHeader);
        Map<String, SigningKey> keys = sealingKeys(config.signingKeys(), old == null ? Map.of() : old.keys());
        ArcVerifier arcVerifier = new ArcVerifier(resolver, verifying);
        return new State(config, new Verifier(resolver, verifying), keys, tagHeader, arcVerifier,
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

    /**
     * The sealing keys: the first key of each domain, loaded as the outbound signer loads them (one rule); a broken
     * key file is logged by the signer, which reads the same entries, so it is one line, not two.
     */
    private Map<String, SigningKey> sealingKeys(String[] entries, Map<String, SigningKey> previous) {
        Map<String, List<SigningKey>> kept = new HashMap<>();
        previous.forEach((domain, key) -> kept.put(domain, List.of(key)));
        Map<String, SigningKey> keys = new HashMap<>();
        DkimOutboundSigner.loadKeys(entries, configFolder, kept, false).forEach((domain, list) -> keys.put(domain, list.get(0)));
        return Map.copyOf(keys);
    }

    /** Verifying needs the whole message: the data stage only. */
    @Override
    public Set<FilterStage> stages() {
        return Set.of(FilterStage.DATA);
    }

    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState transaction) {
        State current = configuration.settings();
        try {
            if (session.relayPermitted()) {
                return FilterResult.proceed(); // our own clients' mail: signed on the way out (DkimOutboundSigner), not verified
            }
            FilterResult verified = current.config().verify() ? verify(current, message) : FilterResult.proceed();
            return current.config().arcVerify() ? withArc(current, message, verified) : verified;
        } catch (IOException e) {
            LOG.warn("{}: dkim: cannot read the message: {}", message.queueId(), e.getMessage());
            return FilterResult.tempfail(451, "4.3.0", "Cannot read the message; try again later");
        }
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
}
