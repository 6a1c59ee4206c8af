package org.carrier.filter.milter.internal;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A milter client: one factory configuration ({@code org.carrier.filter.milter~NAME}) per milter, the equivalent of
 * one Postfix {@code smtpd_milters} entry. Each transaction gets its own milter connection, opened at MAIL FROM,
 * where the session's connect and HELO are replayed, and closed when the transaction ends (libmilter and Postfix
 * keep one per SMTP session; the filter contract's state is per transaction, and a milter is told a session's
 * connect once per message instead, at the cost of one connection and option negotiation per message).
 * <p>
 * The filter registers its services itself, so that its {@code order} setting becomes the service ranking: milters
 * run after Carrier's own filters (ranking 300 minus {@code order}), in order, as Postfix runs its milter list.
 */
@Component(configurationPid = MilterFilter.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = MilterFilter.Config.class, factory = true)
public class MilterFilter implements SmtpFilter, MetricSource {
    static final String PID = "org.carrier.filter.milter";
    /** Milters rank below every filter of Carrier's own (the lowest, dmarc, is 400), first by {@code order}. */
    static final int RANKING_BASE = 300;
    private static final Logger LOG = LoggerFactory.getLogger(MilterFilter.class);
    private static final Pattern MACRO = Pattern.compile("[A-Za-z_]|\\{[A-Za-z0-9_]+\\}");

    @ObjectClassDefinition(name = "Carrier filter: milter",
            description = "A content scanner speaking the milter protocol (rspamd, OpenDKIM, clamav-milter ...): one configuration per milter.")
    public @interface Config {
        @AttributeDefinition(name = "Name", required = false, description = "For logs and metrics; empty: the configuration's name (org.carrier.filter.milter-NAME.cfg).")
        String name() default "";

        @AttributeDefinition(name = "Address", description = "inet:host:port, inet:[IPv6]:port or unix:/path, as Postfix's smtpd_milters.")
        String address();

        @AttributeDefinition(name = "Listeners", required = false, description = "Names of the listeners whose mail it judges, separated by commas or spaces; empty: all.")
        String[] listeners() default {};

        @AttributeDefinition(name = "Connect timeout (ms)", min = "1")
        long connectTimeoutMillis() default 5000;

        @AttributeDefinition(name = "Command timeout (ms)", min = "1", description = "The wait for each answer before the end of the message.")
        long commandTimeoutMillis() default 10000;

        @AttributeDefinition(name = "End-of-message timeout (ms)", min = "1", description = "The wait for each answer at the end of the message; a progress reply restarts it.")
        long endOfMessageTimeoutMillis() default 20000;

        @AttributeDefinition(name = "End-of-message limit (ms)", min = "1", description = "The longest the end of the message may take however often the milter sends progress.")
        long endOfMessageLimitMillis() default 28000;

        @AttributeDefinition(name = "Default action", description = "When the milter is unreachable, too slow or answers what the protocol does not allow: "
                + "TEMPFAIL (451 4.7.1, the client retries), ACCEPT (unscanned) or REJECT (550 5.7.1).")
        DefaultAction defaultAction() default DefaultAction.TEMPFAIL;

        @AttributeDefinition(name = "Order", description = "Milters run by order, lowest first, after Carrier's own filters (service ranking 300 - order).")
        int order() default 0;

        @AttributeDefinition(name = "Protocol version", min = "2", max = "6", description = "Offered in option negotiation.")
        int protocolVersion() default 6;

        @AttributeDefinition(name = "Connect macros", required = false)
        String[] macrosConnect() default {"j", "{daemon_name}", "{daemon_addr}", "v", "_"};

        @AttributeDefinition(name = "HELO macros", required = false)
        String[] macrosHelo() default {"{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"};

        @AttributeDefinition(name = "MAIL FROM macros", required = false)
        String[] macrosMail() default {"i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}", "{mail_mailer}"};

        @AttributeDefinition(name = "RCPT TO macros", required = false)
        String[] macrosRcpt() default {"i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"};

        @AttributeDefinition(name = "DATA macros", required = false)
        String[] macrosData() default {"i"};

        @AttributeDefinition(name = "End-of-header macros", required = false)
        String[] macrosEoh() default {"i"};

        @AttributeDefinition(name = "End-of-message macros", required = false)
        String[] macrosEom() default {"i"};

        @AttributeDefinition(name = "Largest body replacement (bytes)", min = "1", description = "A new body (SMFIR_REPLBODY) larger than this is refused: defaultAction.")
        long maxBodyReplacement() default 52428800;
    }

    private final FilterConfiguration<Config, Settings> configuration =
            new FilterConfiguration<>(Config.class, PID, "the milter filter", LOG::error);
    private volatile MilterMetrics metrics;
    /** The protocol flags of the last option negotiation: the RCPT stage is not hooked when the milter left it out. */
    private volatile int negotiated;
    private BundleContext context;
    private ServiceRegistration<?> registration;

    @Activate
    void activate(BundleContext context, Config config, Map<String, Object> properties) {
        this.context = context;
        loadClasses(context);
        configure(config, properties);
    }

    /**
     * Loads every class of this package now. A transaction the SMTP server began before this bundle was removed still
     * calls this filter to its end (the chain is fixed per transaction); once FileInstall has refreshed the removed
     * bundle its class loader is gone, and a class first needed then (the end of message's, say) would fail that
     * message. Loaded now, they stay with the objects that use them.
     */
    private static void loadClasses(BundleContext context) {
        var entries = context.getBundle().findEntries(MilterFilter.class.getPackageName().replace('.', '/'), "*.class", false);
        while (entries != null && entries.hasMoreElements()) {
            String path = entries.nextElement().getPath();
            String name = path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length()).replace('/', '.');
            try {
                context.getBundle().loadClass(name);
            } catch (ClassNotFoundException e) {
                LOG.warn("milter: class {} of this bundle not found: {}", name, e.toString());
            }
        }
    }

    /** A configuration with a bad value is refused whole, in one line naming file, key and value; the last good one stays. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.whenFirstRefused(unusable(name(config, properties)),
                "defers all mail (451 4.7.1) until it is fixed, as Postfix's milter_default_action does for a milter it cannot reach");
        Settings s = configuration.apply(config, properties, c -> parse(c, properties),
                next -> LOG.info("milter {}: {}, order {}, defaultAction {}{}", next.name(),
                        next.address() == null ? "no usable address" : next.address(), next.order(), next.defaultAction(),
                        next.listeners().isEmpty() ? "" : ", listeners " + next.listeners()));
        if (s != null) {
            register(s);
        }
    }

    @Deactivate
    synchronized void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    /** The services, with the name and ranking of the settings in force (a change of order re-ranks at once). */
    private synchronized void register(Settings s) {
        if (metrics == null || !metrics.milter().equals(s.name())) {
            metrics = new MilterMetrics(s.name());
        }
        if (context == null) {
            return; // a unit test's filter, called directly
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(SmtpFilter.NAME, "milter-" + s.name());
        props.put(Constants.SERVICE_RANKING, RANKING_BASE - s.order());
        if (registration == null) {
            registration = context.registerService(new String[] {SmtpFilter.class.getName(), MetricSource.class.getName()}, this, props);
        } else {
            registration.setProperties(props);
        }
    }

    static Settings parse(Config c, Map<String, ?> properties) {
        Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
        macros.put(MacroStage.CONNECT, macros("macrosConnect", c.macrosConnect()));
        macros.put(MacroStage.HELO, macros("macrosHelo", c.macrosHelo()));
        macros.put(MacroStage.MAIL, macros("macrosMail", c.macrosMail()));
        macros.put(MacroStage.RCPT, macros("macrosRcpt", c.macrosRcpt()));
        macros.put(MacroStage.DATA, macros("macrosData", c.macrosData()));
        macros.put(MacroStage.EOH, macros("macrosEoh", c.macrosEoh()));
        macros.put(MacroStage.EOM, macros("macrosEom", c.macrosEom()));
        long eomTimeout = ConfigProblem.atLeast("endOfMessageTimeoutMillis", c.endOfMessageTimeoutMillis(), 1);
        return new Settings(name(c, properties),
                ConfigProblem.check("address", c.address(), () -> MilterAddress.parse(c.address())),
                Set.copyOf(ConfigLists.spaced(c.listeners())),
                ConfigProblem.atLeast("connectTimeoutMillis", c.connectTimeoutMillis(), 1),
                ConfigProblem.atLeast("commandTimeoutMillis", c.commandTimeoutMillis(), 1),
                eomTimeout,
                ConfigProblem.atLeast("endOfMessageLimitMillis", c.endOfMessageLimitMillis(), 1),
                c.defaultAction(), c.order(),
                ConfigProblem.between("protocolVersion", c.protocolVersion(), Protocol.OLDEST_VERSION, Protocol.VERSION),
                Map.copyOf(macros),
                ConfigProblem.atLeast("maxBodyReplacement", c.maxBodyReplacement(), 1));
    }

    /**
     * What a milter whose first configuration was refused runs with: no address, so every transaction gets TEMPFAIL.
     * Left out, it would let mail through unscanned that the administrator meant to have scanned.
     */
    private static Settings unusable(String name) {
        return new Settings(name, null, Set.of(), 1, 1, 1, 1, DefaultAction.TEMPFAIL, 0, Protocol.VERSION, Map.of(), 1);
    }

    /** Macro names as Postfix writes them: one letter, or a longer name in braces. */
    private static List<String> macros(String key, String[] values) {
        List<String> names = ConfigLists.spaced(values);
        for (String n : names) {
            if (!MACRO.matcher(n).matches()) {
                throw new ConfigProblem(key, n, "not a macro name (one letter, or a name in braces such as {client_addr})");
            }
        }
        return names;
    }

    /** The name setting, else the configuration's own name: {@code ~rspamd} of the PID, or the file's {@code -rspamd}. */
    private static String name(Config c, Map<String, ?> properties) {
        if (c.name() != null && !c.name().isBlank()) {
            return c.name().strip();
        }
        Object pid = properties == null ? null : properties.get(Constants.SERVICE_PID);
        if (pid != null && pid.toString().contains("~")) {
            return pid.toString().substring(pid.toString().indexOf('~') + 1);
        }
        Object file = properties == null ? null : properties.get("felix.fileinstall.filename");
        if (file != null) {
            String f = file.toString();
            int dash = f.lastIndexOf(PID + "-");
            if (dash >= 0 && f.endsWith(".cfg")) {
                return f.substring(dash + PID.length() + 1, f.length() - 4);
            }
        }
        return "milter";
    }

    /**
     * MAIL FROM opens the conversation, where connect and HELO are replayed; RCPT only when the milter did not leave
     * it out (SMFIP_NORCPT) at the last negotiation; DATA always, for the end of the message.
     */
    @Override
    public Set<FilterStage> stages() {
        return (negotiated & Protocol.NORCPT) != 0 ? EnumSet.of(FilterStage.MAIL, FilterStage.DATA)
                : EnumSet.of(FilterStage.MAIL, FilterStage.RCPT, FilterStage.DATA);
    }

    @Override
    public FilterResult mailFrom(SessionInfo session, Envelope envelope, TransactionState state) {
        Settings s = configuration.settings();
        if (!s.appliesTo(session.listenerName())) {
            return FilterResult.proceed();
        }
        MilterTransaction transaction = new MilterTransaction(s, metrics, protocol -> negotiated = protocol);
        state.put(MilterTransaction.class, transaction);
        return transaction.mailFrom(session, envelope);
    }

    @Override
    public FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState state) {
        return state.get(MilterTransaction.class).map(t -> t.rcptTo(session, envelope, recipient)).orElse(FilterResult.proceed());
    }

    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState state) {
        return state.get(MilterTransaction.class).map(t -> t.data(session, envelope, message)).orElse(FilterResult.proceed());
    }

    @Override
    public void collect(MetricWriter out) {
        MilterMetrics m = metrics;
        if (m != null) {
            m.collect(out);
        }
    }

    /** The figures, for tests. */
    MilterMetrics metrics() {
        return metrics;
    }
}
