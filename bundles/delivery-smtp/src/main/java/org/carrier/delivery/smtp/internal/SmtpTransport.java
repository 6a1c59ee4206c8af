package org.carrier.delivery.smtp.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.cluster.SharedState;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.transport.Transport;
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

/** The {@code smtp} transport: delivers to a route's next hops (relays, MX hosts) as an SMTP client. */
@Component(service = {Transport.class, MetricSource.class}, configurationPid = SmtpTransport.PID, property = Transport.NAME + "=smtp")
@Designate(ocd = SmtpTransport.Config.class)
public class SmtpTransport extends ClientTransport implements MetricSource {
    static final String PID = "org.carrier.delivery.smtp";

    @ObjectClassDefinition(name = "Carrier SMTP delivery", description = "Delivery to other hosts over SMTP.")
    public @interface Config {
        @AttributeDefinition(name = "HELO name", required = false, description = "The name in EHLO/HELO; empty means this host's name.")
        String heloName() default "";

        @AttributeDefinition(name = "Connect timeout (seconds)")
        int connectTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Command timeout (seconds)",
                description = "Greeting, EHLO, MAIL, RCPT and the rest; RFC 5321 §4.5.3.2: at least 5 minutes.")
        int commandTimeoutSeconds() default 300;

        @AttributeDefinition(name = "DATA timeout (seconds)", description = "The reply to DATA; RFC 5321 §4.5.3.2.3: 2 minutes.")
        int dataInitTimeoutSeconds() default 120;

        @AttributeDefinition(name = "Data block timeout (seconds)",
                description = "Sending each block of the message; RFC 5321 §4.5.3.2.5: 3 minutes.")
        int dataBlockTimeoutSeconds() default 180;

        @AttributeDefinition(name = "Final reply timeout (seconds)",
                description = "The reply to the end of the data; RFC 5321 §4.5.3.2.6: 10 minutes.")
        int finalReplyTimeoutSeconds() default 600;

        @AttributeDefinition(name = "Convert 8-bit to 7-bit",
                description = "8-bit mail for a peer without 8BITMIME is re-encoded (quoted-printable or base64, RFC 6152); "
                        + "off: it fails with 5.6.3. Conversion breaks DKIM signatures.")
        boolean convertEightBit() default true;

        @AttributeDefinition(name = "Use CHUNKING", description = "Send the message with BDAT when the peer offers CHUNKING (RFC 3030).")
        boolean useChunking() default true;

        @AttributeDefinition(name = "Trusted CA file", required = false,
                description = "PEM certificates trusted for TLS policy 'verify', besides the JDK's roots. Empty: the JDK's only.")
        String tlsCaFile() default "";

        @AttributeDefinition(name = "Messages per connection", description = "A connection is closed after this many messages; 1 turns reuse off.")
        int maxMessagesPerConnection() default 100;

        @AttributeDefinition(name = "Idle timeout (seconds)", description = "An unused connection is closed after this long.")
        int idleTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Connections per destination", description = "Concurrent deliveries to one destination (a route's next hops).")
        int maxConnectionsPerDestination() default 20;

        @AttributeDefinition(name = "Connections in total", description = "Concurrent deliveries to all destinations.")
        int maxConnections() default 100;

        @AttributeDefinition(name = "Wait for a connection slot (seconds)",
                description = "A delivery waits this long for a free slot, then is deferred (4.4.5).")
        int slotWaitSeconds() default 60;

        @AttributeDefinition(name = "Failures before back-off",
                description = "Attempts in a row in which no host of a destination took a connection, before it is backed off.")
        int failuresBeforeBackoff() default 5;

        @AttributeDefinition(name = "Back-off (seconds)",
                description = "How long the deliveries to a backed-off destination are deferred at once.")
        int backoffSeconds() default 300;

        @AttributeDefinition(name = "When the cluster state fails",
                description = "With a cluster (org.carrier.cluster), the connections per destination count over all nodes; while "
                        + "its Redis cannot be reached in time, OPEN counts this node's alone, CLOSED defers the delivery (4.3.0).")
        ClusterFailure clusterFailure() default ClusterFailure.OPEN;
    }

    private static final Logger LOG = LoggerFactory.getLogger(SmtpTransport.class);
    private final ConfigGuard<Config, Prepared> configuration = new ConfigGuard<>(Config.class, "the SMTP delivery", LOG::error);

    /** The cluster's state when one is configured: the connections per destination count over all nodes. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedState sharedState;

    public SmtpTransport() {
        super(Protocol.SMTP);
    }

    @Override
    SharedState cluster() {
        return sharedState;
    }

    /** {@code carrier_smtp_tls_sessions_total{policy, outcome}}: each outbound TLS attempt under its policy. */
    @Override
    public void collect(MetricWriter out) {
        tlsSessions.writeTo(out);
    }

    /**
     * The outbound stage's filters (DKIM signing, ARC sealing, SRS), whiteboard: each that arrives takes part from
     * the next transaction on, in order of service ranking.
     */
    @Reference(service = OutboundFilter.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOutboundFilter(OutboundFilter filter, Map<String, Object> properties) {
        outbound.add(filter, properties);
    }

    void updatedOutboundFilter(OutboundFilter filter, Map<String, Object> properties) {
        outbound.add(filter, properties); // a new ranking or name
    }

    void unbindOutboundFilter(OutboundFilter filter) {
        outbound.remove(filter);
    }

    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        apply(configuration, config, properties, SmtpTransport::configured);
    }

    static Configured configured(Config c) {
        Settings.Timeouts timeouts = new Settings.Timeouts(millis("connectTimeoutSeconds", c.connectTimeoutSeconds()),
                millis("commandTimeoutSeconds", c.commandTimeoutSeconds()),
                millis("dataInitTimeoutSeconds", c.dataInitTimeoutSeconds()),
                millis("dataBlockTimeoutSeconds", c.dataBlockTimeoutSeconds()),
                millis("finalReplyTimeoutSeconds", c.finalReplyTimeoutSeconds()));
        Settings.Reuse reuse = new Settings.Reuse(positive("maxMessagesPerConnection", c.maxMessagesPerConnection()),
                millis("idleTimeoutSeconds", c.idleTimeoutSeconds()),
                positive("maxConnectionsPerDestination", c.maxConnectionsPerDestination()),
                positive("maxConnections", c.maxConnections()),
                millis("slotWaitSeconds", c.slotWaitSeconds()),
                positive("failuresBeforeBackoff", c.failuresBeforeBackoff()),
                millis("backoffSeconds", c.backoffSeconds()), c.clusterFailure());
        return new Configured(new Settings(heloName(c.heloName()), timeouts, reuse, c.convertEightBit(), c.useChunking()), caFile(c.tlsCaFile()));
    }

    private static Path caFile(String configured) {
        if (configured.isBlank()) {
            return null;
        }
        Path file = Path.of(configured.trim());
        if (!Files.isReadable(file)) {
            throw new ConfigProblem("tlsCaFile", configured, "cannot read the file");
        }
        return file;
    }
}
