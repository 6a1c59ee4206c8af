package org.carrier.router.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.MailAddress;
import org.carrier.api.net.HostName;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.RouteSpec;
import org.carrier.api.route.Router;
import org.carrier.api.table.WatchedTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.condition.Condition;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router service: our own domains (local and virtual, with their alias and mailbox tables) from its own
 * configuration, every other domain from the routes (each a {@link RouteConfiguration}), which come and go while
 * it runs. MX routes ask the {@link DnsResolver} service.
 */
// Published by SCR once the configured routes are in the table (RoutesLoaded says so with the condition carrier.routes).
@Component(configurationPid = ConfiguredRouter.PID, service = {Router.class, OurDomains.class}, immediate = true,
        property = ConfiguredRouter.SATISFYING_CONDITION + "=(" + Condition.CONDITION_ID + "=" + RoutesLoaded.CONDITION_ID + ")")
@Designate(ocd = ConfiguredRouter.Config.class)
public class ConfiguredRouter implements Router, OurDomains {
    static final String PID = RouteSpec.ROUTER_PID;
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredRouter.class);
    /**
     * The route decisions, apart: SCR logs what it does with this bundle's components under their class names,
     * so a DEBUG level for the bundle's package would bring its lines too.
     */
    static final Logger DECISIONS = LoggerFactory.getLogger("org.carrier.router.decisions");
    /** The target of the implicit reference every component has to its satisfying condition (OSGi DS 1.5 §112.3.13). */
    static final String SATISFYING_CONDITION = "osgi.ds.satisfying.condition.target";

    @ObjectClassDefinition(name = "Carrier router",
            description = "Which domains are ours, who exists there (aliases, virtual mailboxes), and how MX routing waits for DNS.")
    public @interface Config {
        @AttributeDefinition(name = "Local domains", description = "One a field or comma separated; each user has a Maildir of the same name.")
        String[] localDomains() default {"localhost"};

        @AttributeDefinition(name = "Local users", required = false,
                description = "Users of the local domains, one a field or comma separated; empty: any local part is a user.")
        String[] localUsers() default {};

        @AttributeDefinition(name = "Virtual domains", required = false,
                description = "One a field or comma separated; only the addresses in the alias and mailbox tables exist there.")
        String[] virtualDomains() default {};

        @AttributeDefinition(name = "Alias table", description = "key = target, target... (reloaded when it changes).")
        String aliasFile() default "config/aliases.properties";

        @AttributeDefinition(name = "Virtual mailbox table", description = "address = mailbox folder (reloaded when it changes).")
        String mailboxFile() default "config/mailboxes.properties";

        @AttributeDefinition(name = "Recipient delimiter", required = false,
                description = "user+tag@domain is delivered to user; empty turns plus-addressing off.")
        String recipientDelimiter() default "+";

        @AttributeDefinition(name = "Local transport", description = "The transport that delivers to local mailboxes.")
        String localTransport() default "local";

        @AttributeDefinition(name = "Our host names", required = false,
                description = "Names this host has in MX records, one a field or comma separated (RFC 5321 §5.1 loop check); empty: the local host name.")
        String[] ownHostnames() default {};

        @AttributeDefinition(name = "Longest DNS wait (s)", min = "1",
                description = "An upper bound on how long routing waits for DNS; the resolver normally gives up earlier (its timeout).")
        int dnsWaitSeconds() default 20;

        @AttributeDefinition(name = "Table check interval (s)", min = "1", description = "How often the table files are checked for changes.")
        int tableCheckSeconds() default 2;
    }

    private final List<RouteConfiguration> routes = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "carrier-router-tables");
        t.setDaemon(true);
        return t;
    });
    private volatile DnsResolver dns;
    private volatile SenderRewriting srs;
    private volatile RouteTable table = new RouteTable(List.of());
    private volatile Directory directory = new Directory(List.of(), Set.of(), Set.of(), "+", AddressTables.EMPTY);
    private volatile AddressTables tables = AddressTables.EMPTY;
    private volatile MxRouting mx = new MxRouting(() -> dns, Set.of(), Duration.ofSeconds(20));
    private volatile String localTransport = "local";
    private final ConfigGuard<Config, RouterSettings> configuration = new ConfigGuard<>(Config.class, "the router", LOG::error);
    private RouterSettings settings;
    private ScheduledFuture<?> tableChecks;

    @Activate
    void activate(Config config, Map<String, Object> properties) {
        configure(config, properties);
    }

    /** A configuration with a bad value is refused as a whole, in one log line; the settings in force stay. */
    @Modified
    synchronized void configure(Config config, Map<String, Object> properties) {
        RouterSettings next = configuration.apply(config, properties, RouterSettings::of);
        if (next.equals(settings)) {
            return;
        }
        settings = next;
        localTransport = next.localTransport();
        // the watcher's first check below loads the tables, and warns about aliases with the new users
        directory = new Directory(next.localDomains(), next.virtualDomains(), next.localUsers(), next.delimiter(), tables);
        mx = new MxRouting(() -> dns, ownHostnames(next.ownHostnames()), next.dnsWait());
        LOG.info("local domains: {}, virtual domains: {}", next.localDomains(), next.virtualDomains());
        if (tableChecks != null) {
            tableChecks.cancel(false);
        }
        Duration every = Duration.ofSeconds(next.tableCheckSeconds());
        WatchedTable<Map<String, List<String>>> aliases = new WatchedTable<>(next.aliasFile(), "aliases", AddressTables::key,
                Map.of(), AddressTables::aliases, Map::size, every, Clock.systemUTC());
        WatchedTable<Map<String, String>> mailboxes = new WatchedTable<>(next.mailboxFile(), "virtual mailboxes", AddressTables::key,
                Map.of(), AddressTables::mailboxes, Map::size, every, Clock.systemUTC());
        tablesLoaded(new AddressTables(aliases.current(), mailboxes.current()));
        tableChecks = scheduler.scheduleWithFixedDelay(() -> checkTables(aliases, mailboxes), every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Reloads a changed table file (a broken one is logged, and its last good table stays in force). */
    private void checkTables(WatchedTable<Map<String, List<String>>> aliases, WatchedTable<Map<String, String>> mailboxes) {
        aliases.refresh();
        mailboxes.refresh();
        AddressTables now = new AddressTables(aliases.current(), mailboxes.current());
        if (!now.equals(tables)) {
            tablesLoaded(now);
        }
    }

    private synchronized void tablesLoaded(AddressTables loaded) {
        tables = loaded;
        directory = directory.withTables(loaded);
        warnAboutMissingTargets();
    }

    /** One line per alias whose target is no user here: mail to it is refused at RCPT (550 5.1.1). */
    private void warnAboutMissingTargets() {
        directory.aliasesWithMissingTargets().forEach((alias, targets) -> LOG.warn(
                "{}: alias {}: target {} reaches no user here (none in localUsers or the mailbox table, directly or through aliases); {}",
                settings.aliasFile(), alias, String.join(", ", targets),
                directory.aliasReachesSomeone(alias) ? "its other targets get the mail" : "mail to it is refused"));
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
    }

    private static Set<String> ownHostnames(List<String> configured) {
        return ownHostnames(configured, HostName.local(), ConfiguredRouter::canonicalLocalName);
    }

    /**
     * The names of this host in MX records (RFC 5321 §5.1: a host that finds itself in the MX list may only use more
     * preferred hosts): those configured, else this host's name and the fully qualified name the system resolver gives
     * it. The kernel's name is often short ({@code mail}) while an MX record names {@code mail.example.com}, and a
     * loop check that misses it leaves the loop to the hop limit.
     */
    static Set<String> ownHostnames(List<String> configured, String hostName, Supplier<Optional<String>> canonical) {
        if (!configured.isEmpty()) {
            return new LinkedHashSet<>(configured);
        }
        Set<String> names = new LinkedHashSet<>();
        names.add(hostName.toLowerCase(Locale.ROOT));
        canonical.get().map(name -> name.toLowerCase(Locale.ROOT)).ifPresent(names::add);
        return names;
    }

    /** The local host's fully qualified name from the system resolver (looked up when the settings change, not per mail). */
    private static Optional<String> canonicalLocalName() {
        try {
            return Optional.of(InetAddress.getLocalHost().getCanonicalHostName());
        } catch (UnknownHostException e) {
            LOG.info("the local host name has no address ({}); the MX loop check knows only {}", e.getMessage(), HostName.local());
            return Optional.empty();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setDns(DnsResolver resolver) {
        dns = resolver;
    }

    void unsetDns(DnsResolver resolver) {
        if (dns == resolver) {
            dns = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setSrs(SenderRewriting rewriting) {
        srs = rewriting;
    }

    void unsetSrs(SenderRewriting rewriting) {
        if (srs == rewriting) {
            srs = null;
        }
    }

    /** The SRS codec in force, or {@code null} when SRS is off (or its component is not there). */
    private SrsCodec srsCodec() {
        SenderRewriting rewriting = srs;
        return rewriting == null ? null : rewriting.codec();
    }

    /** Routes change live: a modified route configuration updates its service properties, which calls updatedRoute. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedRoute", unbind = "removeRoute")
    void addRoute(RouteConfiguration route) {
        routes.add(route);
        rebuild();
    }

    void updatedRoute(RouteConfiguration route) {
        rebuild();
    }

    void removeRoute(RouteConfiguration route) {
        routes.remove(route);
        rebuild();
    }

    private synchronized void rebuild() {
        List<Route> current = routes.stream().map(RouteConfiguration::route).filter(r -> r != null).toList();
        table = new RouteTable(current);
        LOG.info("route table: {} route(s) {}", current.size(), current.stream().map(Route::name).toList());
    }

    @Override
    public RouteDecision route(MailAddress recipient) {
        Directory ours = directory;
        String domain = recipient.domain();
        if (ours.isOurs(domain)) {
            SrsCodec codec = srsCodec();
            if (codec != null && SrsCodec.isSrs(recipient.localPart())) {
                return srsRoute(recipient, codec);
            }
            return explain(recipient, ours(ours, recipient), ours.isLocal(domain) ? "local domain" : "virtual domain");
        }
        RouteTable.Match match = table.best(domain);
        if (match == null) {
            // RFC 3463 §3.5: X.4.4 "Unable to route"; refused at RCPT rather than bounced later.
            return explain(recipient, RouteDecision.refused("none",
                    new SmtpReply(550, "5.4.4", "<" + recipient + ">: no route to domain " + domain)), "no route matches");
        }
        return explain(recipient, match.route().decide(recipient, mx), match.why());
    }

    /**
     * An SRS address at one of our domains (a bounce to mail we forwarded): accepted when its hash verifies and it has
     * not expired, as the address it stands for (expand then puts that address in its place, so it is never an open
     * relay: only an address we signed gets through); refused at RCPT otherwise, RFC 3463 §3.2 X.1.1 as for an unknown
     * user, rather than accepted and bounced to a sender that may be forged. Its route is the original sender's
     * route's refusal if that one refuses, else the local transport's, like an alias's (a remote decision would be
     * "relay access denied" for a stranger's bounce): the queue routes the decoded address at delivery.
     */
    private RouteDecision srsRoute(MailAddress recipient, SrsCodec codec) {
        SrsCodec.Decoded decoded = codec.reverse(recipient);
        if (decoded instanceof SrsCodec.Invalid invalid) {
            return explain(recipient, RouteDecision.refused("srs", new SmtpReply(550, "5.1.1", "<" + recipient + ">: " + invalid.reason())),
                    "SRS address refused");
        }
        MailAddress original = ((SrsCodec.Valid) decoded).address();
        RouteDecision onward = route(original);
        if (onward.destination() == org.carrier.api.route.Destination.REFUSED) {
            return explain(recipient, onward, "SRS address of <" + original + ">, whose route refuses it");
        }
        // the route name carries the address, so the route report (carrier:route, the console's Routes page) shows it
        return explain(recipient, RouteDecision.local("srs to <" + original + ">", localTransport), "SRS address: " + onward);
    }

    /**
     * Our domains (their tables are in memory), domains no route matches, and every route but MX answer from
     * memory; an MX route asks DNS (RFC 5321 §5.1), which may wait.
     */
    @Override
    public boolean routesAtOnce(MailAddress recipient) {
        String domain = recipient.domain();
        if (directory.isOurs(domain)) {
            SrsCodec codec = srsCodec();
            MailAddress original = codec == null ? null : Directory.srsOriginal(recipient, codec);
            return original == null || routesAtOnce(original);
        }
        RouteTable.Match match = table.best(domain);
        return match == null || match.route().answersAtOnce();
    }

    private RouteDecision ours(Directory ours, MailAddress recipient) {
        if (ours.exists(recipient)) {
            return RouteDecision.local("local", localTransport);
        }
        // RFC 3463 §3.2: X.1.1 "Bad destination mailbox address", at RCPT time rather than a later bounce.
        return RouteDecision.refused("local", new SmtpReply(550, "5.1.1", "<" + recipient + ">: no such user here"));
    }

    /**
     * The one log line that explains each choice, at DEBUG: the router is asked at RCPT and again at each delivery
     * attempt, and the lines that tell what became of a message (received, queued, delivered, refused) are logged
     * by the SMTP server and the queue anyway.
     */
    private static RouteDecision explain(MailAddress recipient, RouteDecision decision, String why) {
        DECISIONS.debug("route <{}>: {} ({})", recipient, decision, why);
        return decision;
    }

    @Override
    public boolean isOurs(String domain) {
        return directory.isOurs(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public Optional<String> primaryLocalDomain() {
        return directory.primaryLocalDomain();
    }

    @Override
    public List<Recipient> expand(Recipient recipient) {
        List<Recipient> expanded = directory.expand(recipient, srsCodec());
        if (expanded.size() != 1 || !expanded.get(0).address().equals(recipient.address())) {
            LOG.info("expand <{}>: {}", recipient.address(), expanded);
        }
        return expanded;
    }
}
