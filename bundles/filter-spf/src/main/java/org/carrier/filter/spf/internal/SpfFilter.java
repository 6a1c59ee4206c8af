package org.carrier.filter.spf.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.config.RenamedKey;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.HostName;
import org.carrier.api.net.IpNetwork;
import org.carrier.filter.spf.internal.ReceivedSpf.Identity;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPF (RFC 7208) at the HELO and MAIL FROM stages: checks the HELO identity (when configured) and the MAIL FROM
 * identity, or the HELO identity for the null sender (RFC 7208 §2.4); adds {@code Received-SPF} (§9.1), reports
 * {@code spf=} for Authentication-Results (RFC 8601 §2.7.2), and does what the configuration says for each result.
 */
@Component(configurationPid = SpfFilter.PID, property = {SmtpFilter.NAME + "=spf", "service.ranking:Integer=600"})
@Designate(ocd = SpfFilter.Config.class)
public class SpfFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.spf";
    private static final Logger LOG = LoggerFactory.getLogger(SpfFilter.class);
    private static final int MAX_REPLY_TEXT = 400;

    @ObjectClassDefinition(name = "Carrier filter: SPF",
            description = "Checks that the client may send for the HELO name and the MAIL FROM domain (RFC 7208), adds "
                    + "Received-SPF and reports spf= in Authentication-Results. Each result maps to an action.")
    public @interface Config {
        @AttributeDefinition(name = "fail", description = "The domain says the client may not send for it. REJECT answers 550 5.7.23 with the domain's explanation.")
        PolicyAction failAction() default PolicyAction.REJECT;

        @AttributeDefinition(name = "softfail", description = "The domain says the client is probably not allowed.")
        PolicyAction softfailAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "neutral", description = "The domain makes no statement about the client.")
        PolicyAction neutralAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "none", description = "No SPF record, or no valid domain to check.")
        PolicyAction noneAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "pass", description = "The client may send for the domain.")
        PolicyAction passAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "temperror", description = "DNS trouble: TEMPFAIL answers 451 4.7.24, so the client retries.")
        PolicyAction temperrorAction() default PolicyAction.TEMPFAIL;

        @AttributeDefinition(name = "permerror", description = "The domain's record is broken. REJECT answers 550 5.7.24.")
        PolicyAction permerrorAction() default PolicyAction.ACCEPT;

        @AttributeDefinition(name = "Check HELO", description = "Check the HELO/EHLO name at the HELO stage; only its REJECT and TEMPFAIL actions act there (RFC 7208 §2.3).")
        boolean checkHelo() default true;

        @AttributeDefinition(name = "Check relay clients", description = "Also check authenticated clients and clients in the trusted networks (they are skipped by default).")
        boolean checkRelayClients() default false;

        @AttributeDefinition(name = "Skip networks", required = false, description = "Clients never checked: addresses or CIDR blocks, e.g. 192.0.2.0/24, 2001:db8::/32 (secondary MX, forwarders).")
        String[] skipNetworks() default {};

        @AttributeDefinition(name = "DNS timeout (ms)", min = "1", description = "The longest wait for one DNS answer; then the result is temperror.")
        int dnsTimeoutMillis() default 5000;

        @AttributeDefinition(name = "Check timeout (s)", min = "1", description = "The longest one check may take (RFC 7208 §4.6.4: at least 20 s); keep it below the listener's filter time budget (30 s).")
        int checkTimeoutSeconds() default 20;

        @AttributeDefinition(name = "Receiver", required = false, description = "This host's name in Received-SPF and the %{r} macro. Empty: the local host name.")
        String receiver() default "";

        @AttributeDefinition(name = "Default explanation", description = "The reply text of a fail when the domain has no exp= (macros of RFC 7208 §7 allowed).")
        String defaultExplanation() default "%{c} is not allowed to send mail for %{o}";

        @AttributeDefinition(name = "Tag header", description = "The header TAG and HOLD add, as \"spf=<result>\".")
        String tagHeader() default "X-Carrier-Policy";
    }

    /** The settings in force, replaced as a whole when the configuration changes. */
    private record Policy(SpfChecker checker, Map<SpfResult, PolicyAction> actions, boolean checkHelo,
                          boolean checkRelayClients, List<IpNetwork> skip, String receiver, String tagHeader) {
    }

    @Reference
    private DnsResolver dns;

    public SpfFilter() {
    }

    /** For tests: the filter on a given resolver. */
    SpfFilter(DnsResolver dns) {
        this.dns = dns;
    }

    private final FilterConfiguration<Config, Policy> configuration =
            new FilterConfiguration<Config, Policy>(Config.class, PID, "the SPF filter", LOG::error)
            .renamed(LOG::warn, RenamedKey.of("lookupTimeoutMillis", "dnsTimeoutMillis"));

    /** A configuration with a bad value is refused as a whole, in one log line naming file, key and value. */
    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::policy);
    }

    private Policy policy(Config config) {
        List<IpNetwork> skip = ConfigProblem.check("skipNetworks", config.skipNetworks(), () -> IpNetwork.parseList(config.skipNetworks()));
        String receiver = config.receiver().isBlank() ? HostName.local() : config.receiver().trim();
        SpfChecker checker = new SpfChecker(dns, new SpfChecker.Settings(Duration.ofMillis(Math.max(1, config.dnsTimeoutMillis())),
                Duration.ofSeconds(Math.max(1, config.checkTimeoutSeconds())), receiver, config.defaultExplanation()));
        Map<SpfResult, PolicyAction> actions = Map.of(SpfResult.FAIL, config.failAction(), SpfResult.SOFTFAIL, config.softfailAction(),
                SpfResult.NEUTRAL, config.neutralAction(), SpfResult.NONE, config.noneAction(), SpfResult.PASS, config.passAction(),
                SpfResult.TEMPERROR, config.temperrorAction(), SpfResult.PERMERROR, config.permerrorAction());
        Policy next = new Policy(checker, actions, config.checkHelo(), config.checkRelayClients(), skip,
                receiver, configuration.tagHeader(config.tagHeader(), Policy::tagHeader));
        LOG.info("SPF: fail={} softfail={} neutral={} none={} pass={} temperror={} permerror={}, HELO {}checked, receiver {}",
                config.failAction(), config.softfailAction(), config.neutralAction(), config.noneAction(), config.passAction(),
                config.temperrorAction(), config.permerrorAction(), config.checkHelo() ? "" : "not ", receiver);
        return next;
    }

    /** RFC 7208 §2.3: a HELO fail can be refused at once; other outcomes wait for MAIL FROM (its header belongs to a message). */
    /** MAIL FROM, and HELO when {@code checkHelo} is set (a change applies from the next session). */
    @Override
    public Set<FilterStage> stages() {
        Policy p = configuration.settings();
        return p != null && p.checkHelo() ? Set.of(FilterStage.HELO, FilterStage.MAIL) : Set.of(FilterStage.MAIL);
    }

    @Override
    public FilterResult helo(SessionInfo session) {
        Policy p = configuration.settings();
        String helo = session.heloName();
        if (!p.checkHelo() || helo == null || skipped(p, session)) {
            return FilterResult.proceed();
        }
        SpfOutcome outcome = p.checker().checkHost(session.clientAddress().getAddress(), helo, "postmaster@" + helo, helo);
        FilterResult result = act(p, outcome);
        boolean refused = result.action() == FilterAction.REJECT || result.action() == FilterAction.TEMPFAIL;
        return refused ? result : FilterResult.proceed();
    }

    @Override
    public FilterResult mailFrom(SessionInfo session, Envelope envelope, TransactionState transaction) {
        Policy p = configuration.settings();
        MailAddress from = envelope.reversePath();
        String helo = session.heloName();
        if (skipped(p, session) || from.isNullSender() && (helo == null || helo.isEmpty())) {
            return FilterResult.proceed();
        }
        // RFC 7208 §2.4: for the null reverse-path the HELO identity is checked, as postmaster@<helo>.
        Identity identity = from.isNullSender() ? Identity.HELO : Identity.MAILFROM;
        String sender = from.isNullSender() ? "postmaster@" + helo : from.toString();
        String domain = from.isNullSender() ? helo : from.domain();
        InetAddress client = session.clientAddress().getAddress();
        SpfOutcome outcome = p.checker().checkHost(client, domain, sender, helo);
        LOG.info("{}: spf: {} for {} from {}{}", session.sessionId(), outcome.result().keyword(), sender, client.getHostAddress(),
                outcome.problem() == null ? "" : " (" + outcome.problem() + ")");
        FilterResult result = act(p, outcome);
        if (result.action() == FilterAction.REJECT || result.action() == FilterAction.TEMPFAIL) {
            return result;
        }
        AuthResult auth = identity == Identity.MAILFROM ? AuthResult.of("spf", outcome.result().keyword(), "smtp.mailfrom=" + sender)
                : AuthResult.of("spf", outcome.result().keyword(), "smtp.helo=" + helo);
        return result.withHeader("Received-SPF", ReceivedSpf.value(outcome, identity, client, sender, helo, p.receiver()))
                .withAuthResult(auth);
    }

    private static FilterResult act(Policy p, SpfOutcome outcome) {
        return p.actions().get(outcome.result()).apply(refusal(outcome), new HeaderField(p.tagHeader(), "spf=" + outcome.result().keyword()));
    }

    /** RFC 7372 §3.2: 5.7.23 "SPF validation failed", 5.7.24 "SPF validation error" (its 4.7.24 when temporary). */
    private static SmtpReply refusal(SpfOutcome outcome) {
        return switch (outcome.result()) {
            case FAIL -> new SmtpReply(550, "5.7.23", "SPF fail: " + oneLine(outcome.explanation()));
            case PERMERROR -> new SmtpReply(550, "5.7.24", "SPF permanent error: " + oneLine(outcome.problem()));
            case TEMPERROR -> new SmtpReply(550, "5.7.24", "SPF temporary error: " + oneLine(outcome.problem()));
            default -> new SmtpReply(550, "5.7.23", "SPF " + outcome.result().keyword() + " for " + outcome.domain());
        };
    }

    /** Reply text from DNS is printable ASCII on one line, cut to fit a reply line of 512 octets (RFC 5321 §4.5.3.1.5). */
    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("[^\\x20-\\x7e]", " ");
        return line.length() > MAX_REPLY_TEXT ? line.substring(0, MAX_REPLY_TEXT) + "..." : line;
    }

    private static boolean skipped(Policy p, SessionInfo session) {
        InetSocketAddress client = session.clientAddress();
        if (session.relayPermitted() && !p.checkRelayClients() || client == null) {
            return true;
        }
        InetAddress ip = Addresses.normalize(client.getAddress());
        return p.skip().stream().anyMatch(n -> n.contains(ip));
    }
}
