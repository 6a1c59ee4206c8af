package org.carrier.delivery.local.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.Router;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code local} transport: one Maildir per local user, {@code <mailboxDirectory>/<user>/} (the user being the
 * mailbox the router named, {@link Router#MAILBOX_PARAMETER}, or else the local part), with
 * {@code Return-Path} (RFC 5321 §4.4) and {@code Delivered-To} added on top. A problem writing is a
 * deferral, so the queue keeps the message and tries again: nothing is lost.
 */
@Component(configurationPid = MaildirTransport.PID, property = Transport.NAME + "=local")
@Designate(ocd = MaildirTransport.Config.class)
public class MaildirTransport implements Transport {
    static final String PID = "org.carrier.delivery.local";
    private static final Logger LOG = LoggerFactory.getLogger(MaildirTransport.class);

    @ObjectClassDefinition(name = "Carrier local delivery", description = "Delivery to Maildirs on this host.")
    public @interface Config {
        @AttributeDefinition(name = "Mailbox directory", required = false,
                description = "Holds one Maildir per user; empty means the 'mailboxes' folder in the data directory.")
        String mailboxDirectory() default "";
    }

    private final String dataDirectory;
    private final String hostname;
    private volatile Path mailboxes;

    @Activate
    public MaildirTransport(BundleContext context, Config config) {
        this(context.getProperty("carrier.data.dir"), config);
    }

    MaildirTransport(String dataDirectory, Config config) {
        this.dataDirectory = dataDirectory == null ? "data" : dataDirectory;
        this.hostname = localHostname();
        modified(config);
    }

    @Modified
    void modified(Config config) {
        String configured = config.mailboxDirectory().trim();
        mailboxes = configured.isEmpty() ? Paths.get(dataDirectory, "mailboxes") : Paths.get(configured);
    }

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        List<RecipientOutcome> outcomes = new ArrayList<>();
        for (Recipient recipient : request.envelope().recipients()) {
            outcomes.add(deliverOne(request, recipient));
        }
        return outcomes;
    }

    private RecipientOutcome deliverOne(DeliveryRequest request, Recipient recipient) {
        // The router names the mailbox of virtual and plus-addresses; otherwise it is the local part.
        String user = recipient.parameters().getOrDefault(Router.MAILBOX_PARAMETER, recipient.address().localPart())
                .toLowerCase(Locale.ROOT);
        if (!isSafeMailboxName(user)) {
            return new RecipientOutcome(recipient, Outcome.FAILED,
                    new SmtpReply(550, "5.1.3", "Bad destination mailbox address syntax"), "maildir");
        }
        Maildir maildir = new Maildir(mailboxes.resolve(user));
        String prefix = "Return-Path: <" + request.envelope().reversePath() + ">\r\n"
                + "Delivered-To: " + recipient.address() + "\r\n";
        try (InputStream content = request.message().open()) {
            Path file = maildir.deliver(prefix, content, hostname);
            // The queue logs the outcome in its one to=<...> line; this says where the file went.
            LOG.debug("{}: <{}> stored as {}", request.queueId(), recipient.address(), file);
            return new RecipientOutcome(recipient, Outcome.DELIVERED,
                    new SmtpReply(250, "2.0.0", "Ok: delivered to maildir"), "maildir");
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot write to the maildir {} of <{}>: {}", request.queueId(), maildir.root(), recipient.address(),
                    e.toString());
            return new RecipientOutcome(recipient, Outcome.DEFERRED,
                    new SmtpReply(451, "4.3.0", "cannot write to mailbox: " + e.getMessage()), "maildir");
        }
    }

    /** A local part that cannot escape the mailbox directory or hide as a dot-file. */
    static boolean isSafeMailboxName(String user) {
        if (user.isEmpty() || user.startsWith(".")) {
            return false;
        }
        return user.chars().noneMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f);
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
