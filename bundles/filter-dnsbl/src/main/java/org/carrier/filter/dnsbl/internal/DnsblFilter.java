package org.carrier.filter.dnsbl.internal;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.config.RenamedKey;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.IpNetwork;
import org.carrier.filter.dnsbl.internal.DnsblLookup.Listing;
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
 * Checks the client's address against DNS block lists (RFC 5782) and applies the configured action to a listed
 * client: by default {@code 554 5.7.1} with the list's text (RFC 3463 §3.8: delivery not authorized).
 * <p>
 * By default the check answers at RCPT TO, as Postfix's reject_rbl_client does: the client has then had its chance
 * to authenticate (a submission client on a dynamic address listed by a policy list is not turned away at the
 * greeting), and the refusal is a reply to a mail transaction, which clients report to their users instead of
 * retrying the connection. The lookups still start at connect, so the answers are usually cached by RCPT TO.
 */
@Component(configurationPid = DnsblFilter.PID, property = {SmtpFilter.NAME + "=dnsbl", "service.ranking:Integer=900"})
@Designate(ocd = DnsblFilter.Config.class)
public class DnsblFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.dnsbl";
    private static final Logger LOG = LoggerFactory.getLogger(DnsblFilter.class);

    /** When the client's address is judged. */
    public enum Stage {
        /** At the greeting (RFC 5321 §3.1: a 554 greeting refuses the whole connection). */
        CONNECT,
        /** At each RCPT TO, after AUTH had its chance (the default). */
        RCPT
    }

    @ObjectClassDefinition(name = "Carrier filter: DNSBL",
            description = "Refuses, defers, holds or tags mail from clients listed in DNS block lists (RFC 5782).")
    public @interface Config {
        @AttributeDefinition(name = "Zones", required = false,
                description = "One list per entry (or several separated by spaces): zone[=codes][*weight], e.g. zen.spamhaus.org=127.0.0.2-127.0.0.11 or "
                        + "bl.example=* (any 127.0.0.0/8 answer). Codes: addresses and low-high ranges, comma separated.")
        String[] zones() default {};

        @AttributeDefinition(name = "Threshold", min = "1",
                description = "A client counts as listed when the weights of the lists that list it add up to this.")
        int threshold() default 1;

        @AttributeDefinition(name = "Stage",
                description = "CONNECT refuses at the greeting; RCPT (default) at each recipient, after AUTH. TAG and HOLD always mark the message, once, at the end of its data.")
        Stage stage() default Stage.RCPT;

        @AttributeDefinition(name = "Action for a listed client",
                description = "REJECT: 554 5.7.1; TEMPFAIL: 451 4.7.1; HOLD: accept on hold, tagged; TAG: accept with the tag header.")
        PolicyAction action() default PolicyAction.REJECT;

        @AttributeDefinition(name = "Allow list", required = false,
                description = "Client networks never checked, separated by commas or spaces (CIDR, e.g. 192.0.2.0/24 or 2001:db8::/32). Relay-permitted sessions are never checked either.")
        String[] allowList() default {};

        @AttributeDefinition(name = "DNS timeout (ms)", min = "1", description = "How long to wait for all lists together.")
        int dnsTimeoutMillis() default 5000;

        @AttributeDefinition(name = "Reply text",
                description = "Placeholders: {client}, {zone}, {code}, {text} (the list's TXT record; \"; {text}\" is dropped when it has none).")
        String replyText() default "Service unavailable; client [{client}] blocked using {zone}; {text}";

        @AttributeDefinition(name = "Tag header", description = "The header field TAG and HOLD add.")
        String tagHeader() default "X-Carrier-Policy";
    }

    /** One consistent set of settings, replaced whole on a configuration change. */
    private record Settings(List<DnsblZone> zones, int threshold, Stage stage, PolicyAction action,
                            List<IpNetwork> allowList, int timeoutMillis, String replyText, String tagHeader) {
    }

    private final DnsResolver resolver;
    private final FailureLog failures = new FailureLog();

    private final FilterConfiguration<Config, Settings> configuration =
            new FilterConfiguration<Config, Settings>(Config.class, PID, "the DNSBL filter", LOG::error)
            .renamed(LOG::warn, RenamedKey.of("timeoutMillis", "dnsTimeoutMillis"));

    @Activate
    public DnsblFilter(@Reference DnsResolver resolver, Config config, Map<String, Object> properties) {
        this.resolver = resolver;
        configure(config, properties);
    }

    /** A configuration with a bad entry is refused whole, naming the setting; the previous settings stay in force. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, this::settings);
    }

    private Settings settings(Config config) {
        String tagHeader = configuration.tagHeader(config.tagHeader(), Settings::tagHeader);
        return new Settings(ConfigProblem.check("zones", config.zones(), () -> ConfigLists.words(config.zones()).stream().map(DnsblZone::parse).toList()),
                Math.max(1, config.threshold()), config.stage(), config.action(),
                ConfigProblem.check("allowList", config.allowList(), () -> IpNetwork.parseList(config.allowList())),
                Math.max(1, config.dnsTimeoutMillis()), config.replyText(), tagHeader);
    }

    /**
     * What the settings make the filter hook: nothing without zones; the greeting (to warm the resolver's cache, or to
     * judge there), and the stage that judges: RCPT, or for TAG and HOLD the data, where the mark lands in the
     * message once. A new configuration applies from the next session or transaction.
     */
    @Override
    public Set<FilterStage> stages() {
        Settings s = configuration.settings();
        if (s.zones().isEmpty()) {
            return Set.of();
        }
        if (marksTheMessage(s)) {
            return Set.of(FilterStage.CONNECT, FilterStage.DATA);
        }
        return s.stage() == Stage.CONNECT ? Set.of(FilterStage.CONNECT) : Set.of(FilterStage.CONNECT, FilterStage.RCPT);
    }

    @Override
    public FilterResult connect(SessionInfo session) {
        Settings s = configuration.settings();
        if (exempt(s, session)) {
            return FilterResult.proceed();
        }
        if (s.stage() == Stage.CONNECT && !marksTheMessage(s)) {
            return check(s, session, session.sessionId()).result();
        }
        // Warm the resolver's cache for RCPT TO; nobody waits for these answers.
        s.zones().forEach(z -> resolver.ipv4Addresses(z.queryName(session.clientAddress().getAddress())));
        return FilterResult.proceed();
    }

    /** Judged at the first recipient of the transaction; its other recipients get the same answer without asking again. */
    @Override
    public FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState transaction) {
        Settings s = configuration.settings();
        if (exempt(s, session) || marksTheMessage(s) || s.stage() != Stage.RCPT) {
            return FilterResult.proceed();
        }
        return transaction.computeIfAbsent(Judgement.class, () -> check(s, session, session.sessionId())).result();
    }

    /**
     * TAG and HOLD concern the message, not the connection or each recipient: whatever the stage, they are judged at
     * the end of its data, so the header lands in the message once however many recipients it has (or had refused).
     */
    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState transaction) {
        Settings s = configuration.settings();
        if (exempt(s, session) || !marksTheMessage(s)) {
            return FilterResult.proceed();
        }
        return check(s, session, message.queueId()).result();
    }

    /** The filter's answer for one transaction, kept in its {@link TransactionState}. */
    private record Judgement(FilterResult result) {
    }

    private static boolean marksTheMessage(Settings s) {
        return s.action() == PolicyAction.TAG || s.action() == PolicyAction.HOLD;
    }

    private static boolean exempt(Settings s, SessionInfo session) {
        InetAddress client = session.clientAddress().getAddress();
        return s.zones().isEmpty() || session.relayPermitted() || s.allowList().stream().anyMatch(n -> n.contains(client));
    }

    /** @param logId the session ID, or the queue ID once the message has one */
    private Judgement check(Settings s, SessionInfo session, String logId) {
        InetAddress client = session.clientAddress().getAddress();
        DnsblLookup lookup = new DnsblLookup(resolver, failures, client, s.timeoutMillis());
        List<Listing> listings = lookup.listings(s.zones());
        if (listings.stream().mapToInt(l -> l.zone().weight()).sum() < s.threshold()) {
            return NOT_LISTED;
        }
        Listing first = listings.get(0);
        LOG.info("{}: dnsbl: client {} listed in {}; {}", logId, IpNetwork.text(client),
                listings.stream().map(l -> l.zone().zone() + " (" + l.code().getHostAddress() + ")").collect(Collectors.joining(", ")),
                s.action());
        HeaderField tag = new HeaderField(s.tagHeader(), "dnsbl=listed zone=" + first.zone().zone()
                + " code=" + first.code().getHostAddress() + " client=" + IpNetwork.text(client));
        return new Judgement(s.action().apply(new SmtpReply(554, "5.7.1", replyText(s.replyText(), client, first, lookup.text(first))), tag));
    }

    private static final Judgement NOT_LISTED = new Judgement(FilterResult.proceed());

    /** The configured text with its placeholders filled in; without the list's text, "; {text}" goes as a whole. */
    private static String replyText(String template, InetAddress client, Listing listing, String listText) {
        return (listText.isEmpty() ? template.replace("; {text}", "") : template)
                .replace("{client}", IpNetwork.text(client)).replace("{zone}", listing.zone().zone())
                .replace("{code}", listing.code().getHostAddress()).replace("{text}", listText);
    }
}
