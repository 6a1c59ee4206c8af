package org.carrier.filter.size.internal;

import java.util.HashMap;
import java.util.Map;

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
        @AttributeDefinition(name = "Maximum message size", description = "In bytes, including headers; for listeners not named below.")
        long maxMessageSize() default 10_485_760L;

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

    private volatile Limits limits = new Limits(Long.MAX_VALUE, Map.of());

    @Activate
    @Modified
    void configure(Config config) {
        try {
            limits = parse(config);
            LOG.info("Message size limit {} bytes{}", limits.otherwise(), limits.byListener().isEmpty() ? "" : ", by listener " + limits.byListener());
        } catch (IllegalArgumentException e) {
            // A broken setting must not lift or change the limit: the last good one stays in force.
            LOG.error("{}: {}; the previous limits stay in force", PID, e.getMessage());
        }
    }

    private static Limits parse(Config config) {
        positive("maxMessageSize", config.maxMessageSize());
        Map<String, Long> byListener = new HashMap<>();
        for (String entry : config.listenerLimits()) {
            int eq = entry.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("listenerLimits: \"" + entry + "\" is not listener=bytes");
            }
            try {
                long bytes = Long.parseLong(entry.substring(eq + 1).strip());
                positive("listenerLimits", bytes);
                byListener.put(entry.substring(0, eq).strip(), bytes);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("listenerLimits: \"" + entry + "\" has no number of bytes");
            }
        }
        return new Limits(config.maxMessageSize(), Map.copyOf(byListener));
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + ": " + value + " is not a positive number of bytes");
        }
    }

    @Override
    public long maxMessageSize(SessionInfo session) {
        return limits.of(session.listenerName());
    }
}
