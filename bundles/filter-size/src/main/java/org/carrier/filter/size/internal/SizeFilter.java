package org.carrier.filter.size.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.filter.FilterConfiguration;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.SessionInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A maximum message size, per listener. The SMTP server enforces it as RFC 1870 §6 describes: it advertises
 * the limit in the EHLO SIZE keyword, refuses a larger declared SIZE at MAIL FROM and stops storing data past
 * it during DATA or BDAT, answering {@code 552 5.3.4} (RFC 3463 §3.4). So this filter only states the limit.
 */
@Component(configurationPid = SizeFilter.PID, property = {SmtpFilter.NAME + "=size", "service.ranking:Integer=1000"})
@Designate(ocd = SizeFilter.Config.class)
public class SizeFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.size";
    private static final Logger LOG = LoggerFactory.getLogger(SizeFilter.class);

    @ObjectClassDefinition(name = "Carrier filter: message size",
            description = "Refuses messages larger than a limit, per listener.")
    public @interface Config {
        @AttributeDefinition(name = "Maximum message size", min = "0", description = "In bytes, including headers; for listeners not "
                + "named below. 0: none of its own, the listener's maxMessageSize applies. The lower of the two wins.")
        long maxMessageSize() default 0;

        @AttributeDefinition(name = "Per-listener limits",
                description = "listener=bytes, e.g. submission=52428800; the listener's name is its factory configuration name.")
        String[] listenerLimits() default {};
    }

    /** The limits in force: a default and exceptions by listener name. */
    private record Limits(long otherwise, Map<String, Long> byListener) {
        long of(String listener) {
            return byListener.getOrDefault(listener, otherwise);
        }
    }

    private final FilterConfiguration<Config, Limits> configuration = new FilterConfiguration<>(Config.class, PID, "the size filter", LOG::error);

    /** A broken setting must not lift or change the limit: a configuration with a bad value is refused as a whole. */
    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        configuration.apply(config, properties, SizeFilter::parse, next ->
            LOG.info("Message size limit {}{}", next.otherwise() == Long.MAX_VALUE ? "of each listener (its maxMessageSize)" : next.otherwise() + " bytes",
                    next.byListener().isEmpty() ? "" : ", by listener " + next.byListener()));
    }

    /**
     * RFC 1870 §4: one size limit a listener announces. By default it is the listener's own maxMessageSize, set where
     * the listener is: this filter lowers it only when configured to.
     */
    private static Limits parse(Config config) {
        long otherwise = ConfigProblem.atLeast("maxMessageSize", config.maxMessageSize(), 0);
        Map<String, Long> byListener = new HashMap<>();
        for (String entry : config.listenerLimits()) {
            int eq = entry.indexOf('=');
            if (eq < 1) {
                throw new ConfigProblem("listenerLimits", entry, "not listener=bytes");
            }
            long bytes;
            try {
                bytes = Long.parseLong(entry.substring(eq + 1).strip());
            } catch (NumberFormatException e) {
                throw new ConfigProblem("listenerLimits", entry, "not listener=bytes (no number of bytes)");
            }
            byListener.put(entry.substring(0, eq).strip(), ConfigProblem.atLeast("listenerLimits", bytes, 1));
        }
        return new Limits(otherwise == 0 ? Long.MAX_VALUE : otherwise, Map.copyOf(byListener));
    }

    /** No stage: the server enforces the limit itself (RFC 1870 §6). */
    @Override
    public Set<FilterStage> stages() {
        return Set.of();
    }

    @Override
    public long maxMessageSize(SessionInfo session) {
        return configuration.settings().of(session.listenerName());
    }
}
