package org.carrier.delivery.local.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.file.FileModes;
import org.carrier.api.message.HeaderScan;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.net.HostName;
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

        @AttributeDefinition(name = "Mailbox mode", description = "Octal mode of the Maildir folders Carrier creates; "
                + "message files get the same without execute. 0700 (files 0600): Carrier's user alone. 0750 (files 0640): "
                + "also the group, for a delivery agent or IMAP server (Dovecot) running as another user of Carrier's group.")
        String mailboxMode() default "0700";
    }

    private final String dataDirectory;
    private final String hostname;
    private volatile Path mailboxes;
    private volatile FileModes modes = FileModes.PRIVATE;

    @Activate
    public MaildirTransport(BundleContext context, Config config, Map<String, Object> properties) {
        this(context.getProperty("carrier.data.dir"), config, properties);
    }

    MaildirTransport(String dataDirectory, Config config) {
        this(dataDirectory, config, Map.of());
    }

    private MaildirTransport(String dataDirectory, Config config, Map<String, Object> properties) {
        this.dataDirectory = dataDirectory == null ? "data" : dataDirectory;
        this.hostname = HostName.local();
        modified(config, properties);
    }

    /** A mode that is none is one line naming file, key and value; the mode in force (at first the private one) stays. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        String configured = config.mailboxDirectory().trim();
        mailboxes = configured.isEmpty() ? Paths.get(dataDirectory, "mailboxes") : Paths.get(configured);
        try {
            modes = FileModes.ofFolderMode(config.mailboxMode());
        } catch (IllegalArgumentException e) {
            LOG.error("{}: mailboxMode: {}; keeping {}", TypedConfig.source(properties), e.getMessage(), modes.folderMode());
        }
    }

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        Set<String> deliveredTo;
        try {
            deliveredTo = deliveredTo(request);
        } catch (IOException e) {
            SmtpReply unreadable = new SmtpReply(451, "4.3.0", "cannot read the queued message: " + e.getMessage());
            return request.envelope().recipients().stream().map(r -> RecipientOutcome.of(r, unreadable, "maildir")).toList();
        }
        List<RecipientOutcome> outcomes = new ArrayList<>();
        for (Recipient recipient : request.envelope().recipients()) {
            outcomes.add(deliveredTo.contains(key(recipient)) ? loop(request, recipient) : deliverOne(request, recipient));
        }
        return outcomes;
    }

    /** The addresses in the message's Delivered-To fields: the mailboxes it was already delivered to, on its way here. */
    private static Set<String> deliveredTo(DeliveryRequest request) throws IOException {
        return HeaderScan.values(request.message().headerFields(), "Delivered-To").stream().map(v -> v.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }

    private static String key(Recipient recipient) {
        return recipient.address().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * A message that already carries our Delivered-To for this mailbox came back to it: a forwarding loop (a copy
     * taken from the mailbox and sent to it again), which a hop count would end only after many copies. An alias to a
     * remote address never passes here, so the hop count ends that loop. Failed as Postfix's local(8) does, "mail
     * forwarding loop for ADDRESS", with RFC 3463 §3.5 X.4.6 "Routing loop detected".
     */
    private static RecipientOutcome loop(DeliveryRequest request, Recipient recipient) {
        LOG.debug("{}: <{}> already has a Delivered-To field for it", request.queueId(), recipient.address());
        return RecipientOutcome.of(recipient, new SmtpReply(554, "5.4.6", "mail forwarding loop for " + recipient.address()),
                "maildir");
    }

    private RecipientOutcome deliverOne(DeliveryRequest request, Recipient recipient) {
        // The router names the mailbox of virtual and plus-addresses; otherwise it is the local part.
        String user = recipient.parameters().getOrDefault(Router.MAILBOX_PARAMETER, recipient.address().localPart())
                .toLowerCase(Locale.ROOT);
        if (!isSafeMailboxName(user)) {
            return new RecipientOutcome(recipient, Outcome.FAILED,
                    new SmtpReply(550, "5.1.3", "Bad destination mailbox address syntax"), "maildir");
        }
        Maildir maildir = new Maildir(mailboxes.resolve(user), modes);
        String prefix = "Return-Path: <" + request.envelope().reversePath() + ">\r\n"
                + "Delivered-To: " + recipient.address() + "\r\n";
        try (InputStream content = request.message().open()) {
            Path file = maildir.deliver(prefix, content, hostname);
            // The queue logs the outcome in its one to=<...> line; this says where the file went.
            LOG.debug("{}: <{}> stored as {}", request.queueId(), recipient.address(), file);
            // RFC 3461 §5.2.3: delivery into the mailbox, so a sender who asked hears "delivered" from us.
            return new RecipientOutcome(recipient, Outcome.DELIVERED,
                    new SmtpReply(250, "2.0.0", "Ok: delivered to maildir"), "maildir").deliveredFinally();
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
}
