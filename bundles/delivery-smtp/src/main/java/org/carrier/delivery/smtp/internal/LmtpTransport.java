package org.carrier.delivery.smtp.internal;

import java.util.Map;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.transport.Transport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lmtp} transport (RFC 2033): hands mail to a mailbox server such as Dovecot, at a next hop
 * {@code host:port} or a Unix socket (a next hop whose host is an absolute path), and maps the reply it
 * gives per recipient after the data to that recipient's outcome.
 */
@Component(service = Transport.class, configurationPid = LmtpTransport.PID, property = Transport.NAME + "=lmtp")
@Designate(ocd = LmtpTransport.Config.class)
public class LmtpTransport extends ClientTransport {
    static final String PID = "org.carrier.delivery.lmtp";

    @ObjectClassDefinition(name = "Carrier LMTP delivery", description = "Delivery to a mailbox server over LMTP.")
    public @interface Config {
        @AttributeDefinition(name = "LHLO name", required = false, description = "Empty means this host's name.")
        String lhloName() default "";

        @AttributeDefinition(name = "Connect timeout (seconds)")
        int connectTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Command timeout (seconds)", description = "Each command, and each block of the data.")
        int commandTimeoutSeconds() default 300;

        @AttributeDefinition(name = "Final reply timeout (seconds)",
                description = "Each recipient's reply after the data (the server delivers while we wait).")
        int finalReplyTimeoutSeconds() default 600;

        @AttributeDefinition(name = "Use CHUNKING", description = "Send the message with BDAT when the server offers CHUNKING (RFC 3030).")
        boolean useChunking() default true;

        @AttributeDefinition(name = "Messages per connection", description = "1 turns reuse off.")
        int maxMessagesPerConnection() default 100;

        @AttributeDefinition(name = "Idle timeout (seconds)")
        int idleTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Connections per destination")
        int maxConnectionsPerDestination() default 20;
    }

    private static final Logger LOG = LoggerFactory.getLogger(LmtpTransport.class);
    private final ConfigGuard<Config, Prepared> configuration = new ConfigGuard<>(Config.class, "the LMTP delivery", LOG::error);

    public LmtpTransport() {
        super(Protocol.LMTP);
    }

    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        apply(configuration, config, properties, LmtpTransport::configured);
    }

    /** LMTP peers are local mailbox servers: fewer knobs, the rest from the defaults. */
    static Configured configured(Config c) {
        int command = millis("commandTimeoutSeconds", c.commandTimeoutSeconds());
        Settings.Timeouts timeouts = new Settings.Timeouts(millis("connectTimeoutSeconds", c.connectTimeoutSeconds()),
                command, command, command, millis("finalReplyTimeoutSeconds", c.finalReplyTimeoutSeconds()));
        int perDestination = positive("maxConnectionsPerDestination", c.maxConnectionsPerDestination());
        Settings.Reuse defaults = Settings.Reuse.DEFAULT;
        Settings.Reuse reuse = new Settings.Reuse(positive("maxMessagesPerConnection", c.maxMessagesPerConnection()),
                millis("idleTimeoutSeconds", c.idleTimeoutSeconds()), perDestination, Math.max(perDestination, defaults.total()),
                defaults.waitMillis(), defaults.failuresBeforeBackoff(), defaults.backoffMillis());
        return new Configured(new Settings(heloName(c.lhloName()), timeouts, reuse, true, c.useChunking()), null);
    }
}
