package org.carrier.delivery.smtp.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code smtp} transport: delivers to a route's next hops with an SMTP client conversation. */
@Component(configurationPid = SmtpTransport.PID, property = Transport.NAME + "=smtp")
@Designate(ocd = SmtpTransport.Config.class)
public class SmtpTransport implements Transport {
    static final String PID = "org.carrier.delivery.smtp";

    @ObjectClassDefinition(name = "Carrier SMTP delivery", description = "Delivery to other hosts over SMTP.")
    public @interface Config {
        @AttributeDefinition(name = "HELO name", required = false, description = "Empty means this host's name.")
        String heloName() default "";

        @AttributeDefinition(name = "Connect timeout (seconds)")
        int connectTimeoutSeconds() default 30;

        @AttributeDefinition(name = "Command timeout (seconds)", description = "RFC 5321 §4.5.3.2: at least 5 minutes.")
        int commandTimeoutSeconds() default 300;

        @AttributeDefinition(name = "Final reply timeout (seconds)",
                description = "How long to wait for the reply to the end of the data; RFC 5321 §4.5.3.2.6: 10 minutes.")
        int finalReplyTimeoutSeconds() default 600;
    }

    private volatile SmtpDelivery delivery;

    @Activate
    @Modified
    void configure(Config config) {
        String helo = config.heloName().isBlank() ? localHostname() : config.heloName().trim();
        delivery = new SmtpDelivery(new SmtpDelivery.Settings(helo, config.connectTimeoutSeconds() * 1000,
                config.commandTimeoutSeconds() * 1000, config.finalReplyTimeoutSeconds() * 1000));
    }

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        return delivery.deliver(request);
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
