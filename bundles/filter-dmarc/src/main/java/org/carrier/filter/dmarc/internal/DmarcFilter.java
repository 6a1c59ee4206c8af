package org.carrier.filter.dmarc.internal;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.RenamedKey;
import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.dmarc.DmarcEvaluationRecorder;
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
import org.carrier.api.report.ReportMark;
import org.carrier.filter.dmarc.internal.DmarcRecord.Policy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMARC (RFC 7489) at the data stage, after SPF and DKIM: finds the From domain's policy, checks that a passing SPF
 * or DKIM identity is aligned with the From domain, and applies the configured action for the policy requested.
 * Mail from clients that may relay (our own users) is not evaluated: it is not signed yet at this point.
 */
@Component(configurationPid = DmarcFilter.PID,
        property = {SmtpFilter.NAME + "=dmarc", "service.ranking:Integer=400"})
@Designate(ocd = DmarcFilter.Config.class)
public class DmarcFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.dmarc";
    private static final Logger LOG = LoggerFactory.getLogger(DmarcFilter.class);

    @ObjectClassDefinition(name = "Carrier filter: DMARC",
            description = "Applies the From domain's DMARC policy to mail that fails SPF and DKIM alignment.")
    public @interface Config {
        @AttributeDefinition(name = "Action for p=reject", description = "Mail failing DMARC whose domain asks to reject it.")
        PolicyAction rejectAction() default PolicyAction.REJECT;

        @AttributeDefinition(name = "Action for p=quarantine")
        PolicyAction quarantineAction() default PolicyAction.HOLD;

        @AttributeDefinition(name = "Action for p=none", description = "The domain only monitors.")
        PolicyAction noneAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Action on permerror", description = "The From field cannot be evaluated (none, several, several domains).")
        PolicyAction permerrorAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Action on temperror", description = "The policy could not be looked up for now.")
        PolicyAction temperrorAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Report only", description = "Only report dmarc= results, never act on them.")
        boolean reportOnly() default false;

        @AttributeDefinition(name = "Tag header", description = "Added by TAG and HOLD, e.g. X-Carrier-Policy: dmarc=fail p=quarantine.")
        String tagHeader() default "X-Carrier-Policy";

        @AttributeDefinition(name = "DNS timeout (ms)", min = "1", description = "The longest wait for one DMARC record.")
        int dnsTimeoutMillis() default 10_000;

        @AttributeDefinition(name = "Trusted ARC sealers", description = "Domains (and their subdomains) whose ARC seal is trusted: mail that fails DMARC is accepted when its ARC chain passed and its latest ARC-Seal is theirs (RFC 8617 §7.2; a local_policy override, RFC 7489 §6.6.2). Comma-separated in a .cfg file; empty: none.")
        String[] trustedArcSealers() default {};
    }

    private final DnsResolver resolver;
    private final IntSupplier percentile;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DmarcEvaluationRecorder recorder;
    /** What is in force: replaced whole by {@link #configure}, so a message sees one consistent state. */
    private record State(Config config, PolicyDiscovery discovery, String tagHeader, List<String> trustedArcSealers) {
    }

    private final FilterConfiguration<Config, State> configuration =
            new FilterConfiguration<Config, State>(Config.class, PID, "the DMARC filter", LOG::error)
            .renamed(LOG::warn, RenamedKey.secondsToMillis("dnsTimeoutSeconds", "dnsTimeoutMillis"));

    @Activate
    public DmarcFilter(@Reference DnsResolver resolver, Config config, Map<String, Object> properties) {
        this(resolver, () -> ThreadLocalRandom.current().nextInt(100), config, properties);
    }

    /** @param percentile 0 to 99, drawn per message for pct= sampling (RFC 7489 §6.6.4) */
    DmarcFilter(DnsResolver resolver, IntSupplier percentile, Config config, Map<String, Object> properties) {
        this.resolver = resolver;
        this.percentile = percentile;
        configure(config, properties);
    }

    /** A value that cannot be read refuses the whole change, in one line; the state in force stays. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::state);
    }

    private State state(Config config) {
        String tagHeader = configuration.tagHeader(config.tagHeader(), State::tagHeader);
        List<String> trusted = ConfigLists.names("trustedArcSealers", config.trustedArcSealers()).stream()
                .map(d -> d.toLowerCase(Locale.ROOT).replaceAll("\\.$", "")).toList();
        return new State(config, new PolicyDiscovery(resolver, timeout(config)), tagHeader, trusted);
    }

    private static Duration timeout(Config config) {
        return Duration.ofMillis(Math.max(1, config.dnsTimeoutMillis()));
    }

    /** The From field and the SPF and DKIM results are all there at the data stage. */
    @Override
    public Set<FilterStage> stages() {
        return Set.of(FilterStage.DATA);
    }

    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState transaction) {
        if (session.relayPermitted()) {
            return FilterResult.proceed();
        }
        State current = configuration.settings();
        String domain;
        try {
            domain = AuthorDomain.of(message.headers());
        } catch (AuthorDomain.InvalidAuthor e) {
            return act(current, current.config().permerrorAction(), AuthResult.of("dmarc", "permerror").withReason(e.getMessage()), "permerror");
        }
        Optional<PolicyDiscovery.Found> found;
        try {
            found = current.discovery().discover(domain);
        } catch (PolicyDiscovery.TemporaryFailure e) {
            return act(current, current.config().temperrorAction(), result("temperror", domain).withReason(e.getMessage()), "temperror");
        }
        if (found.isEmpty()) {
            return FilterResult.proceed().withAuthResult(result("none", domain));
        }
        DmarcRecord record = found.get().record();
        Policy requested = record.policyFor(domain, found.get().domain(), found.get().domain().equals(domain) || exists(domain));
        Alignment alignment = Alignment.of(domain, record, message.authResults());
        if (alignment.passes()) {
            report(session, envelope, new Evaluation(domain, found.get(), alignment, message.authResults(), Policy.NONE, List.of()));
            return FilterResult.proceed().withAuthResult(result("pass", domain).withReason("p=" + requested.keyword()));
        }
        Optional<DmarcEvaluation.Reason> override = requested == Policy.NONE ? Optional.empty()
                : PolicyOverride.trustedArc(message.authResults(), current.trustedArcSealers());
        if (override.isPresent()) {
            return overridden(session, envelope, message, new Evaluation(domain, found.get(), alignment,
                    message.authResults(), Policy.NONE, List.of(override.get())), requested);
        }
        boolean sampled = sampled(record.percent());
        Policy applied = sampled ? requested : downgraded(requested);
        LOG.info("{}: dmarc: fail for {}: p={} pct={} -> {}", message.queueId(), domain, requested.keyword(),
                record.percent(), current.config().reportOnly() ? "report only" : applied.keyword());
        AuthResult fail = result("fail", domain).withReason("p=" + requested.keyword());
        PolicyAction action = action(current.config(), applied);
        report(session, envelope, Evaluation.failed(domain, found.get(), alignment, message.authResults(), requested, applied,
                current.config().reportOnly() ? PolicyAction.ACCEPT : action));
        return act(current, action, fail, "fail p=" + applied.keyword());
    }

    /**
     * A failing message accepted by a local policy override (RFC 7489 §6.6.2): logged, tagged in its
     * Authentication-Results, and reported with disposition none and the override's reason (Appendix C).
     */
    private FilterResult overridden(SessionInfo session, Envelope envelope, MessageView message, Evaluation evaluation,
                                    Policy requested) {
        DmarcEvaluation.Reason reason = evaluation.reasons().get(0);
        LOG.info("{}: dmarc: fail for {}: p={} overridden ({}: {}): accepted", message.queueId(), evaluation.headerFrom(),
                requested.keyword(), reason.type(), reason.comment());
        report(session, envelope, evaluation);
        return FilterResult.proceed().withAuthResult(result("fail", evaluation.headerFrom())
                .withReason("p=" + requested.keyword() + "; override " + reason.type() + ": " + reason.comment()));
    }

    /**
     * Tells the recorder, when the policy asks for aggregate reports (RFC 7489 §7.2) and the message is not one of
     * Carrier's own reports. Its failure never reaches the session.
     */
    private void report(SessionInfo session, Envelope envelope, Evaluation evaluation) {
        DmarcEvaluationRecorder to = recorder;
        if (to == null || !evaluation.found().record().wantsReports() || ReportMark.anyOn(envelope)) {
            return;
        }
        try {
            to.record(evaluation.toRecord(session.clientAddress(), envelope));
        } catch (RuntimeException e) {
            LOG.error("dmarc: cannot record the evaluation for {}: {}", evaluation.headerFrom(), e.toString());
        }
    }

    private static AuthResult result(String result, String domain) {
        return AuthResult.of("dmarc", result, "header.from=" + domain);
    }

    /** RFC 7489 §6.6.4: pct= applies the policy to that share of failing mail. */
    private boolean sampled(int percent) {
        return percent >= 100 || percentile.getAsInt() < percent;
    }

    /** RFC 7489 §6.6.4: mail left out by pct= gets the next milder policy: quarantine instead of reject, else none. */
    private static Policy downgraded(Policy policy) {
        return policy == Policy.REJECT ? Policy.QUARANTINE : Policy.NONE;
    }

    /** DMARCbis np=: a From domain that does not exist (NXDOMAIN) may have its own policy. */
    private boolean exists(String domain) {
        try {
            resolver.mx(domain).toCompletableFuture().get(timeout(configuration.settings().config()).toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            return !(e.getCause() instanceof DnsLookupException dns && dns.kind() == DnsLookupException.Kind.NAME_NOT_FOUND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (TimeoutException e) {
            return true;
        }
    }

    private static PolicyAction action(Config config, Policy policy) {
        return switch (policy) {
            case REJECT -> config.rejectAction();
            case QUARANTINE -> config.quarantineAction();
            case NONE -> config.noneAction();
        };
    }

    private static FilterResult act(State current, PolicyAction action, AuthResult result, String tag) {
        String domain = result.property("header.from").orElse("the sender's domain");
        SmtpReply rejection = new SmtpReply(550, "5.7.1",
                "Unauthenticated email from " + domain + " is not accepted due to its domain's DMARC policy");
        PolicyAction effective = current.config().reportOnly() ? PolicyAction.ACCEPT : action;
        return effective.apply(rejection, new HeaderField(current.tagHeader(), "dmarc=" + tag)).withAuthResult(result);
    }
}
