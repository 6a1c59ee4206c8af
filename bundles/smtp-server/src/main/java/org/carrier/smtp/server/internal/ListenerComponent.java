package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.config.TypedConfig;
import org.carrier.api.file.FileModes;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.HopLimit;
import org.carrier.api.net.HostName;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.route.Router;
import org.carrier.smtp.server.internal.auth.AuthLockout;
import org.carrier.smtp.server.internal.auth.ListenerRole;
import org.carrier.smtp.server.internal.auth.UsersFile;
import org.carrier.smtp.server.internal.sender.SenderLoginCheck;
import org.carrier.smtp.server.internal.tls.PemFileException;
import org.carrier.smtp.server.internal.tls.ServerCertificates;
import org.carrier.smtp.server.internal.tls.ListenerTls;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMTP listener, one per factory configuration {@code org.carrier.smtp.listener}
 * (file {@code org.carrier.smtp.listener-NAME.cfg}). Filters are a whiteboard: every
 * {@link SmtpFilter} service takes part, ordered by service ranking, from the next session or transaction on.
 */
@Component(service = {}, configurationPid = ListenerComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ListenerComponent.Config.class, factory = true)
public class ListenerComponent implements SessionServices {
    static final String FACTORY_PID = "org.carrier.smtp.listener";
    private static final Logger LOG = LoggerFactory.getLogger(ListenerComponent.class);

    @ObjectClassDefinition(name = "Carrier SMTP listener", description = "A port on which Carrier receives mail.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "For logs.")
        String name() default "default";

        @AttributeDefinition(name = "Bind address")
        String bindAddress() default "127.0.0.1";

        @AttributeDefinition(name = "Port")
        int port() default 2525;

        @AttributeDefinition(name = "Role", description = "mx: mail for our domains, relaying for trusted clients (port 25); "
                + "submission: AUTH required before MAIL (port 587, RFC 6409); smtps: like submission, with TLS from the first byte "
                + "(port 465, RFC 8314).", options = {
                @Option(value = "mx", label = "MX (port 25)"),
                @Option(value = "submission", label = "Submission (port 587)"),
                @Option(value = "smtps", label = "Submission over implicit TLS (port 465)")})
        String role() default "mx";

        @AttributeDefinition(name = "Host name", required = false, description = "Used in the greeting and Received headers; empty means this host's name.")
        String hostname() default "";

        @AttributeDefinition(name = "Trusted networks", description = "Clients in these networks (CIDR, comma separated) may relay.")
        String trustedNetworks() default "127.0.0.0/8, ::1/128";

        @AttributeDefinition(name = "Maximum message size", description = "In bytes; announced with SIZE (RFC 1870).")
        long maxMessageSize() default 52_428_800L;

        @AttributeDefinition(name = "Maximum recipients per message", description = "RFC 5321 §4.5.3.1.8 asks for at least 100; "
                + "one more gets 452 4.5.3.")
        int maxRecipients() default 100;

        @AttributeDefinition(name = "Maximum line length", description = "Octets in a command line, CRLF included "
                + "(RFC 5321 §4.5.3.1.4 and its extensions); a longer line gets 500 5.5.2.")
        int maxLineLength() default 1000;

        @AttributeDefinition(name = "Maximum connections", description = "Sessions at once on this listener; one more gets 421 4.7.0.")
        int maxConnections() default 1000;

        @AttributeDefinition(name = "Maximum connections per client", description = "Sessions at once from one client address "
                + "outside the trusted networks (Postfix's smtpd_client_connection_count_limit); one more gets 421 4.7.0.")
        int maxConnectionsPerClient() default 20;

        @AttributeDefinition(name = "Connections reserved for trusted clients", description = "Of the maximum connections, "
                + "how many only clients in the trusted networks may take (at most half), so that a flood of untrusted "
                + "connections never locks them out.")
        int reservedTrustedConnections() default 50;

        @AttributeDefinition(name = "Command timeout (seconds)", description = "RFC 5321 §4.5.3.2.7: at least 300. A deadline: "
                + "each command line must be complete this long after the previous reply, however slowly its bytes come. "
                + "Then 421 4.4.2.")
        int commandTimeoutSeconds() default 300;

        @AttributeDefinition(name = "Data timeout (seconds)", description = "RFC 5321 §4.5.3.2.5: at least 180. A deadline "
                + "for the whole message content, from 354 to the final dot, and for each BDAT chunk. Then 421 4.4.2.")
        int dataTimeoutSeconds() default 180;

        @AttributeDefinition(name = "Stress timeout (seconds)", description = "Once untrusted clients hold 80% of their slots "
                + "(until they are back under 70%), each of their command lines, the first included, must come within this "
                + "time instead (Postfix's stress-adaptive timeouts).")
        int stressTimeoutSeconds() default 10;

        @AttributeDefinition(name = "Maximum errors", description = "Error replies before the session is closed with 421 4.7.0.")
        int maxErrors() default 20;

        @AttributeDefinition(name = "Maximum junk commands", description = "NOOP, RSET, VRFY and HELP in one session; "
                + "beyond it each counts as an error, so a client cannot hold a session with them forever.")
        int maxJunkCommands() default 100;

        @AttributeDefinition(name = "Maximum hops", description = "A message that would be queued with this many Received "
                + "header fields or more, ours included, is in a mail loop (RFC 5321 §6.3, Postfix's hopcount_limit): "
                + "554 5.4.6 at the end of DATA/BDAT, and it is not queued.")
        int maxHops() default HopLimit.DEFAULT_MAX_HOPS;

        @AttributeDefinition(name = "Bare CR or LF in data", options = {
                @Option(value = "reject", label = "Refuse the message (550 5.6.11): SMTP smuggling protection"),
                @Option(value = "normalize", label = "Accept and convert to CRLF")})
        String bareLineEndings() default "reject";

        @AttributeDefinition(name = "PROXY protocol from", required = false, description = "Empty: clients connect directly. "
                + "Otherwise the listener is behind a proxy (HAProxy PROXY protocol v1 or v2): connections are accepted only "
                + "from these networks (CIDR, comma separated), and the client address the header carries is the one "
                + "filters, relay rules and Received see.")
        String proxyNetworks() default "";

        @AttributeDefinition(name = "Filter time budget (milliseconds)", description = "A filter that takes longer at one stage "
                + "fails safe: 451 4.3.0, and the log names it.")
        int filterTimeoutMillis() default 30_000;

        @AttributeDefinition(name = "TLS certificate file", required = false,
                description = "PEM certificate chain, server certificate first (e.g. fullchain.pem). Empty (with an empty key file): "
                        + "a self-signed certificate for the host name, generated on first start in data/tls/ and kept.")
        String certificateFile() default "";

        @AttributeDefinition(name = "TLS private key file", required = false,
                description = "PEM private key of that certificate: PKCS#8 (PRIVATE KEY) or RSA/EC PRIVATE KEY, unencrypted.")
        String keyFile() default "";

        @AttributeDefinition(name = "AUTH users file", required = false,
                description = "USER = HASH lines (bin/carrier-passwd makes them), reloaded when it changes. Empty: no AUTH on this listener.")
        String usersFile() default "config/smtp-users.properties";

        @AttributeDefinition(name = "AUTH only over TLS", description = "Offer and accept AUTH only inside TLS "
                + "(recommended: PLAIN and LOGIN send the password in the clear).")
        boolean requireTlsForAuth() default true;

        @AttributeDefinition(name = "Received header names the authenticated user", description = "Privacy: off by default.")
        boolean receivedShowsAuthUser() default false;

        @AttributeDefinition(name = "Sender login check", description = "An authenticated user may use as MAIL FROM and in "
                + "the From and Sender fields only the addresses the sender logins file gives it; others get 553 5.7.1. "
                + "Off: not refused, but DKIM still signs only mail whose From the user owns.")
        boolean senderLoginCheck() default true;

        @AttributeDefinition(name = "Sender logins file", required = false, description = "USER = address, @domain, <> "
                + "lines, reloaded when it changes. A user without a line may use its login if that is an address. "
                + "Empty: no file, only that default.")
        String senderLoginsFile() default "config/sender-logins.properties";

        @AttributeDefinition(name = "AUTH failures per client", description = "Failed AUTH attempts from one untrusted client "
                + "address (IPv6: /64), on any listener, within the failure window that lock it out: AUTH then gets 454 4.7.0, "
                + "the right password too. 0: no lockout.")
        int authFailuresPerClient() default AuthLockout.DEFAULT_PER_CLIENT;

        @AttributeDefinition(name = "AUTH failures per user", description = "Failed AUTH attempts for one user name from "
                + "untrusted clients within the failure window that lock the name out (guessing from many addresses). 0: no lockout.")
        int authFailuresPerUser() default AuthLockout.DEFAULT_PER_USER;

        @AttributeDefinition(name = "AUTH failure window (seconds)")
        int authFailureWindowSeconds() default 600;

        @AttributeDefinition(name = "AUTH lockout (seconds)")
        int authLockoutSeconds() default 900;
    }

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;

    /** Whether a bind failure now is one at start, which stops Carrier. */
    @Reference
    private StartupBinds startup;

    /** carrier:drain: one switch for every listener. */
    @Reference
    private IntakeSwitch intake;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Router router;

    /** Filters by service reference; ServiceReference order puts the highest ranking last, so the map is read in reverse. */
    private final ConcurrentSkipListMap<ServiceReference<SmtpFilter>, FilterChain.Named> filters = new ConcurrentSkipListMap<>();

    /** Where filters run, so that one that hangs costs a thread, not the session: see {@link FilterChain}. */
    private final ThreadPoolExecutor filterThreads = new ThreadPoolExecutor(0, 256, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
            r -> {
                Thread t = new Thread(r, "carrier-smtp-filter");
                t.setDaemon(true);
                return t;
            });
    private volatile long filterBudgetMillis;
    /**
     * The filters in order, rebuilt when a filter comes or goes or the budget changes; sessions take a snapshot of it
     * ({@link FilterChain#snapshot()}), which asks each filter its stages anew.
     */
    private volatile FilterChain chain = FilterChain.EMPTY;
    private ServerCertificates certificates;
    /** The settings in force, guarded by this component's lock, so a late certificate never undoes a newer change. */
    private ListenerSettings applied;
    private SmtpListener listener;

    @Activate
    synchronized void activate(BundleContext context, Config config, Map<String, Object> properties) {
        certificates = ServerCertificates.inDataDirectory(context.getProperty("carrier.data.dir"));
        start(config, properties);
    }

    /** A broken configuration or a port in use is one log line; a later good configuration starts the listener. */
    private void start(Config config, Map<String, Object> properties) {
        try {
            ListenerSettings plain = settings(config, properties);
            warnIfSecretsAreOpen(config);
            filterBudgetMillis = config.filterTimeoutMillis();
            rebuildChain();
            if (plain.role().implicitTls()) {
                ListenerSettings withTls = plain.withTls(tls(config, plain.hostname()));
                listener = new SmtpListener(withTls, this);
                applied = withTls;
                startup.reported(pid(properties));
                return;
            }
            // The port answers at once; STARTTLS joins when the certificate is ready (making one takes seconds).
            listener = new SmtpListener(plain, this);
            applied = plain;
            startup.reported(pid(properties));
            Thread loader = new Thread(() -> addTls(config, plain), "carrier-smtp-tls-" + plain.name());
            loader.setDaemon(true);
            loader.start();
        } catch (ConfigurationException e) {
            startup.reported(pid(properties));
            LOG.error("{}: {}: {}; the listener does not start until it is fixed", TypedConfig.source(properties), e.getProperty(), e.getReason());
        } catch (IOException e) {
            bindFailed(properties, e);
        }
    }

    /** Password hashes and a TLS key that other local users can read: one WARN per file (issue 19). */
    private static void warnIfSecretsAreOpen(Config config) {
        if (!config.usersFile().isBlank()) {
            FileModes.exposedSecret(Path.of(config.usersFile().trim()), "AUTH password hashes").ifPresent(LOG::warn);
        }
        if (!config.keyFile().isBlank()) {
            FileModes.exposedSecret(Path.of(config.keyFile().trim()), "a TLS private key").ifPresent(LOG::warn);
        }
    }

    /** One line naming the configuration, the listener and its address, and what happens now (see {@link StartupBinds}). */
    private void bindFailed(Map<String, Object> properties, IOException e) {
        boolean stop = startup.bindFailed(pid(properties));
        LOG.error("{}: {}; {}", TypedConfig.source(properties), e.getMessage(), stop ? StartupBinds.stopping() : "the listener does not start until it is fixed");
        if (stop) {
            startup.exit();
        }
    }

    private static String pid(Map<String, Object> properties) {
        return String.valueOf(properties.get("service.pid"));
    }

    /** Better a listener without STARTTLS than no listener: mail still arrives, and the log says why. */
    private void addTls(Config config, ListenerSettings plain) {
        ListenerTls tls;
        try {
            tls = tls(config, plain.hostname());
        } catch (ConfigurationException e) {
            LOG.error("listener {}: {}: {}; running without TLS", plain.name(), e.getProperty(), e.getReason());
            return;
        }
        synchronized (this) {
            if (applied == plain && listener != null) {
                applied = plain.withTls(tls);
                try {
                    listener.update(applied);
                } catch (IOException e) {
                    LOG.error("listener {}: {}", plain.name(), e.getMessage());
                }
            }
        }
    }

    /** The listener's certificate: the configured PEM files, or a self-signed one for the host name. */
    private ListenerTls tls(Config c, String hostname) throws ConfigurationException {
        try {
            ListenerTls tls = ListenerTls.load(certificates, c.certificateFile(), c.keyFile(), hostname);
            LOG.info("listener {}: TLS with {}", c.name(), tls.current().describe());
            return tls;
        } catch (PemFileException e) {
            boolean key = !c.keyFile().isBlank() && e.file().equals(Path.of(c.keyFile().trim()));
            throw new ConfigurationException(key ? "keyFile" : "certificateFile", e.getMessage());
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException("certificateFile", e.getMessage());
        }
    }

    /** A broken change is logged with its file and key, and the listener keeps its last good settings. */
    @Modified
    synchronized void modified(Config config, Map<String, Object> properties) {
        if (listener == null) {
            start(config, properties);
            return;
        }
        ListenerSettings next;
        try {
            next = settings(config, properties);
            warnIfSecretsAreOpen(config);
            next = next.withTls(tls(config, next.hostname()));
            listener.update(next);
        } catch (ConfigurationException e) {
            LOG.error("{}: {}: {}; the listener keeps its last good settings", TypedConfig.source(properties), e.getProperty(), e.getReason());
            return;
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: {}; the listener keeps its last good settings", TypedConfig.source(properties), e.getMessage());
            return;
        }
        filterBudgetMillis = config.filterTimeoutMillis();
        rebuildChain();
        applied = next;
    }

    @Deactivate
    synchronized void deactivate() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        filterThreads.shutdownNow();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeFilter")
    void addFilter(ServiceReference<SmtpFilter> reference, SmtpFilter filter) {
        Object name = reference.getProperty(SmtpFilter.NAME);
        filters.put(reference, new FilterChain.Named(name == null ? filter.getClass().getName() : name.toString(), filter));
        rebuildChain();
    }

    void removeFilter(ServiceReference<SmtpFilter> reference) {
        filters.remove(reference);
        rebuildChain();
    }

    /** Under a lock of its own, so two filters arriving at once cannot leave the older snapshot in place. */
    private void rebuildChain() {
        synchronized (filters) {
            List<FilterChain.Named> ordered = new ArrayList<>(filters.descendingMap().values());
            chain = ordered.isEmpty() ? FilterChain.EMPTY : new FilterChain(ordered, filterThreads, filterBudgetMillis, metrics());
        }
    }

    @Override
    public MailQueue queue() {
        return queue;
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public boolean draining() {
        return intake.isDraining();
    }

    @Override
    public FilterChain filters() {
        return chain.snapshot();
    }

    /**
     * {@link #settings(Config)} of the configuration read at once ({@link TypedConfig}), so that a value DS cannot
     * convert ({@code port = abc}) is refused with its key and value, not thrown later as a bare NumberFormatException.
     */
    static ListenerSettings settings(Config c, Map<String, ?> properties) throws ConfigurationException {
        Config read;
        try {
            read = TypedConfig.read(Config.class, c, properties);
        } catch (ConfigProblem e) {
            // ConfigProblem's reasons say what is expected: "not a whole number".
            throw new ConfigurationException(e.key(), (e.value() == null ? "the value is " : "\"" + e.value() + "\" is ") + e.reason());
        }
        return settings(read);
    }

    static ListenerSettings settings(Config c) throws ConfigurationException {
        Networks trusted = networks("trustedNetworks", c.trustedNetworks());
        Networks proxies = networks("proxyNetworks", c.proxyNetworks());
        if (c.port() < 0 || c.port() > 65535) {
            throw new ConfigurationException("port", "not a TCP port: " + c.port());
        }
        if (!c.bareLineEndings().equals("reject") && !c.bareLineEndings().equals("normalize")) {
            throw new ConfigurationException("bareLineEndings", "must be reject or normalize, not " + c.bareLineEndings());
        }
        ListenerRole role;
        try {
            role = ListenerRole.parse(c.role());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("role", e.getMessage());
        }
        positive("maxRecipients", c.maxRecipients());
        positive("maxConnections", c.maxConnections());
        positive("maxConnectionsPerClient", c.maxConnectionsPerClient());
        notNegative("reservedTrustedConnections", c.reservedTrustedConnections());
        positive("commandTimeoutSeconds", c.commandTimeoutSeconds());
        positive("dataTimeoutSeconds", c.dataTimeoutSeconds());
        positive("stressTimeoutSeconds", c.stressTimeoutSeconds());
        notNegative("authFailuresPerClient", c.authFailuresPerClient());
        notNegative("authFailuresPerUser", c.authFailuresPerUser());
        positive("authFailureWindowSeconds", c.authFailureWindowSeconds());
        positive("authLockoutSeconds", c.authLockoutSeconds());
        positive("maxMessageSize", c.maxMessageSize());
        positive("filterTimeoutMillis", c.filterTimeoutMillis());
        positive("maxHops", c.maxHops());
        if (c.maxLineLength() < 512) {
            throw new ConfigurationException("maxLineLength", "RFC 5321 §4.5.3.1.4 requires at least 512, not " + c.maxLineLength());
        }
        return new ListenerSettings(c.name(), c.bindAddress().trim(), c.port(), role,
                c.hostname().isBlank() ? HostName.local() : c.hostname().trim(), trusted, c.maxMessageSize(),
                c.maxRecipients(), c.maxLineLength(), c.maxConnections(), c.maxConnectionsPerClient(),
                c.reservedTrustedConnections(), c.commandTimeoutSeconds() * 1000, c.dataTimeoutSeconds() * 1000,
                c.stressTimeoutSeconds() * 1000, c.maxErrors(), c.maxJunkCommands(), c.maxHops(),
                c.bareLineEndings().equals("normalize"), proxies, c.receivedShowsAuthUser(), null,
                c.usersFile().isBlank() ? null : new UsersFile(Path.of(c.usersFile().trim())), c.requireTlsForAuth(),
                new SenderLoginCheck(c.senderLoginsFile().isBlank() ? null : Path.of(c.senderLoginsFile().trim()), c.senderLoginCheck()),
                new AuthLockout(c.authFailuresPerClient(), c.authFailuresPerUser(), Duration.ofSeconds(c.authFailureWindowSeconds()),
                        Duration.ofSeconds(c.authLockoutSeconds())));
    }

    private static Networks networks(String key, String value) throws ConfigurationException {
        try {
            return Networks.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key, e.getMessage());
        }
    }

    private static void positive(String key, long value) throws ConfigurationException {
        if (value <= 0) {
            throw new ConfigurationException(key, "must be positive, not " + value);
        }
    }

    private static void notNegative(String key, long value) throws ConfigurationException {
        if (value < 0) {
            throw new ConfigurationException(key, "must be 0 or more, not " + value);
        }
    }

}
