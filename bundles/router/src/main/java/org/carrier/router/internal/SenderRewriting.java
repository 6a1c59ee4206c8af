package org.carrier.router.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

import org.carrier.api.config.ConfigGuard;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sender Rewriting Scheme's settings in force ({@code org.carrier.srs}): the router decodes SRS addresses at our
 * domains with them, and {@link SrsOutboundFilter} rewrites the senders of forwarded mail. Changes apply live; a
 * configuration with a bad value is refused whole in one line and the last good settings stay.
 */
@Component(configurationPid = SenderRewriting.PID, service = SenderRewriting.class, immediate = true)
@Designate(ocd = SenderRewriting.Config.class)
public class SenderRewriting {
    static final String PID = "org.carrier.srs";
    static final Logger LOG = LoggerFactory.getLogger(SenderRewriting.class);

    @ObjectClassDefinition(name = "Carrier SRS",
            description = "Sender Rewriting Scheme (libsrs2/postsrsd format) for mail an alias forwards to another domain.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Rewrite the senders of forwarded mail and route bounces to SRS addresses.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Secret", type = AttributeType.PASSWORD, required = false,
                description = "The HMAC key that signs; empty: the first line of the secret file.")
        String secret() default "";

        @AttributeDefinition(name = "Secret file", required = false,
                description = "One secret a line, the first signs (postsrsd's format); empty: <data>/srs.secret, made at first start.")
        String secretFile() default "";

        @AttributeDefinition(name = "Old secrets", type = AttributeType.PASSWORD, required = false,
                description = "Secrets no longer used to sign whose addresses are still accepted, comma separated.")
        String[] oldSecrets() default {};

        @AttributeDefinition(name = "Maximum age (days)", min = "1", max = "1023",
                description = "How long an SRS address stays valid for bounces.")
        int maxAgeDays() default 21;

        @AttributeDefinition(name = "Excluded sender domains", required = false,
                description = "Senders at these domains are never rewritten (our own domains never are).")
        String[] excludedDomains() default {};

        @AttributeDefinition(name = "Forwarding domain", required = false,
                description = "The domain of rewritten senders; empty: the domain of the alias that forwards.")
        String forwardingDomain() default "";
    }

    private final Path dataDirectory;
    private final Clock clock;
    private final ConfigGuard<Config, SrsSettings> configuration = new ConfigGuard<>(Config.class, "SRS", LOG::error);
    private volatile SrsSettings settings;

    @Activate
    public SenderRewriting(BundleContext context, Config config, Map<String, Object> properties) {
        this(Path.of(Objects.requireNonNullElse(context.getProperty("carrier.data.dir"), "data")), Clock.systemUTC(), config, properties);
    }

    SenderRewriting(Path dataDirectory, Clock clock, Config config, Map<String, Object> properties) {
        this.dataDirectory = dataDirectory;
        this.clock = clock;
        configure(config, properties);
    }

    @Modified
    synchronized void configure(Config config, Map<String, Object> properties) {
        SrsSettings next = configuration.apply(config, properties, c -> SrsSettings.of(c, dataDirectory, clock));
        if (next != null && !next.equals(settings)) {
            settings = next;
            LOG.info("SRS: {}", next.enabled() ? "senders of forwarded mail are rewritten (secret from " + next.secretSource()
                    + ", addresses valid " + config.maxAgeDays() + " days)" : "off (enabled = false)");
        }
    }

    /** The settings in force; {@code null} only if not even the defaults gave any (the secret file cannot be made). */
    SrsSettings settings() {
        return settings;
    }

    /** The codec in force, or {@code null} when SRS is off. */
    SrsCodec codec() {
        SrsSettings now = settings;
        return now == null ? null : now.codec();
    }
}
