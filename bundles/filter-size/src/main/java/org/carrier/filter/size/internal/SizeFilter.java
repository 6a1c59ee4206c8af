package org.carrier.filter.size.internal;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.SessionInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Refuses mail larger than a configured limit with {@code 552 5.3.4} (RFC 1870 §6, RFC 3463 §3.4):
 * at MAIL FROM when the client declares a larger SIZE, and after DATA when the message is larger.
 */
@Component(configurationPid = SizeFilter.PID, property = SmtpFilter.NAME + "=size")
@Designate(ocd = SizeFilter.Config.class)
public class SizeFilter implements SmtpFilter {
    static final String PID = "org.carrier.filter.size";

    @ObjectClassDefinition(name = "Carrier filter: message size",
            description = "Refuses messages larger than the limit.")
    public @interface Config {
        @AttributeDefinition(name = "Maximum message size", description = "In bytes, including headers.")
        long maxMessageSize() default 10_485_760L;
    }

    private volatile long limit;

    @Activate
    @Modified
    void configure(Config config) {
        limit = config.maxMessageSize();
    }

    @Override
    public FilterResult mailFrom(SessionInfo session, Envelope envelope) {
        String declared = envelope.mailParameters().get("SIZE");
        if (declared == null) {
            return FilterResult.proceed();
        }
        try {
            return tooBig(Long.parseLong(declared)) ? refusal() : FilterResult.proceed();
        } catch (NumberFormatException e) {
            // RFC 1870 §6: SIZE must be a number; the server's own parser refuses bad syntax, so only numbers get here.
            return FilterResult.proceed();
        }
    }

    @Override
    public FilterResult data(SessionInfo session, Envelope envelope, MessageView message) {
        return tooBig(message.size()) ? refusal() : FilterResult.proceed();
    }

    private boolean tooBig(long size) {
        return size > limit;
    }

    private FilterResult refusal() {
        return FilterResult.reject(552, "5.3.4", "Message size exceeds fixed limit of " + limit + " bytes");
    }
}
