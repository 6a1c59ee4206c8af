package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.route.Router;
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

        @AttributeDefinition(name = "Host name", required = false, description = "Used in the greeting and Received headers; empty means this host's name.")
        String hostname() default "";

        @AttributeDefinition(name = "Trusted networks", description = "Clients in these networks (CIDR, comma separated) may relay.")
        String trustedNetworks() default "127.0.0.0/8, ::1/128";

        @AttributeDefinition(name = "Maximum message size", description = "In bytes; announced with SIZE (RFC 1870).")
        long maxMessageSize() default 52_428_800L;

        @AttributeDefinition(name = "Maximum recipients per message")
        int maxRecipients() default 1000;

        @AttributeDefinition(name = "Maximum connections")
        int maxConnections() default 200;

        @AttributeDefinition(name = "Command timeout (seconds)", description = "RFC 5321 §4.5.3.2.7: at least 300.")
        int commandTimeoutSeconds() default 300;

        @AttributeDefinition(name = "Data timeout (seconds)", description = "How long to wait for more message data.")
        int dataTimeoutSeconds() default 180;

        @AttributeDefinition(name = "Maximum errors", description = "Error replies before the session is closed with 421.")
        int maxErrors() default 20;

        @AttributeDefinition(name = "Bare CR or LF in data", options = {
                @Option(value = "reject", label = "Refuse the message (550 5.6.11): SMTP smuggling protection"),
                @Option(value = "normalize", label = "Accept and convert to CRLF")})
        String bareLineEndings() default "reject";
    }

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Router router;

    /** Filters by service reference; ServiceReference order puts the highest ranking last, so the map is read in reverse. */
    private final ConcurrentSkipListMap<ServiceReference<SmtpFilter>, FilterChain.Named> filters = new ConcurrentSkipListMap<>();

    private SmtpListener listener;

    @Activate
    void activate(Config config) throws IOException, ConfigurationException {
        listener = new SmtpListener(settings(config), this);
    }

    /** A broken change is logged with its file and key, and the listener keeps its last good settings. */
    @Modified
    void modified(Config config, Map<String, Object> properties) throws IOException {
        ListenerSettings next;
        try {
            next = settings(config);
        } catch (ConfigurationException e) {
            LOG.error("{}: {}: {}; the listener keeps its last good settings", source(properties), e.getProperty(), e.getReason());
            return;
        } catch (RuntimeException e) {
            LOG.error("{}: {}; the listener keeps its last good settings", source(properties), e.getMessage());
            return;
        }
        listener.update(next);
    }

    /** The configuration and, when FileInstall made it, its file: what an administrator needs to fix it. */
    private static String source(Map<String, Object> properties) {
        Object file = properties.get("felix.fileinstall.filename");
        return "configuration " + properties.get("service.pid") + (file == null ? "" : " (" + file + ")");
    }

    @Deactivate
    void deactivate() {
        listener.close();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeFilter")
    void addFilter(ServiceReference<SmtpFilter> reference, SmtpFilter filter) {
        Object name = reference.getProperty(SmtpFilter.NAME);
        filters.put(reference, new FilterChain.Named(name == null ? filter.getClass().getName() : name.toString(), filter));
    }

    void removeFilter(ServiceReference<SmtpFilter> reference) {
        filters.remove(reference);
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
    public FilterChain filters() {
        List<FilterChain.Named> ordered = new ArrayList<>(filters.descendingMap().values());
        return ordered.isEmpty() ? FilterChain.EMPTY : new FilterChain(ordered);
    }

    static ListenerSettings settings(Config c) throws ConfigurationException {
        Networks trusted;
        try {
            trusted = Networks.parse(c.trustedNetworks());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("trustedNetworks", e.getMessage());
        }
        if (c.port() < 0 || c.port() > 65535) {
            throw new ConfigurationException("port", "not a TCP port: " + c.port());
        }
        if (!c.bareLineEndings().equals("reject") && !c.bareLineEndings().equals("normalize")) {
            throw new ConfigurationException("bareLineEndings", "must be reject or normalize, not " + c.bareLineEndings());
        }
        return new ListenerSettings(c.name(), c.bindAddress().trim(), c.port(),
                c.hostname().isBlank() ? localHostname() : c.hostname().trim(), trusted, c.maxMessageSize(),
                c.maxRecipients(), c.maxConnections(), c.commandTimeoutSeconds() * 1000, c.dataTimeoutSeconds() * 1000,
                c.maxErrors(), c.bareLineEndings().equals("normalize"));
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

}
