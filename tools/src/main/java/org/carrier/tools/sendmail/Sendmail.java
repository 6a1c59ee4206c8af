package org.carrier.tools.sendmail;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.carrier.api.message.AddressList;

/**
 * {@code bin/sendmail}: reads a message from standard input and submits it over SMTP to the running Carrier's listener
 * on this host (see the README, "Shell, mailq and sendmail", for why SMTP rather than the shell socket). Silent on
 * success; on failure one message on standard error and a sysexits.h status. Plain Java, outside OSGi.
 */
public final class Sendmail {
    private Sendmail() {
    }

    public static void main(String[] args) {
        Path home = Paths.get(System.getProperty("carrier.home", "."));
        System.exit(run(args, System.in, System.err, home.resolve("config"), System.getenv("CARRIER_SMTP")));
    }

    static int run(String[] args, InputStream in, PrintStream err, Path configFolder, String smtpOverride) {
        try {
            submit(args, in, configFolder, smtpOverride);
            return 0;
        } catch (SubmitFailure e) {
            err.println("sendmail: " + e.getMessage());
            return e.exitStatus();
        }
    }

    static String submit(String[] args, InputStream in, Path configFolder, String smtpOverride) throws SubmitFailure {
        SendmailOptions options = SendmailOptions.parse(args);
        OutgoingMessage message;
        try {
            message = OutgoingMessage.read(in, options.dotEndsMessage());
        } catch (IOException e) {
            throw new SubmitFailure(SubmitFailure.IO, "cannot read the message: " + e.getMessage());
        }
        List<String> recipients = recipients(options, message);
        if (recipients.isEmpty()) {
            throw new SubmitFailure(SubmitFailure.USAGE, "no recipients: give them as arguments, or use -t to take them from"
                    + " the To, Cc and Bcc fields");
        }
        String hostname = hostname();
        String sender = options.sender() != null ? options.sender() : System.getProperty("user.name") + "@" + hostname;
        message.complete(sender.isEmpty() ? "MAILER-DAEMON@" + hostname : sender, options.fullName(), hostname, ZonedDateTime.now());
        InetSocketAddress listener = ListenerAddress.find(configFolder, smtpOverride);
        try (SmtpSubmission smtp = SmtpSubmission.connect(listener, hostname)) {
            return smtp.send(sender, recipients, message);
        }
    }

    private static final List<String> DESTINATION_FIELDS = List.of("To", "Cc", "Bcc");
    private static final List<String> RESENT_DESTINATION_FIELDS = List.of("Resent-To", "Resent-Cc", "Resent-Bcc");

    /**
     * The argument recipients, plus with -t those of To, Cc and Bcc (as Postfix's -t does), once each. A message being
     * resent (RFC 5322 §3.6.6) goes to its Resent-To, Resent-Cc and Resent-Bcc instead, as sendmail's -t does: its To
     * and Cc name who got it the first time. Bcc and Resent-Bcc are removed.
     */
    static List<String> recipients(SendmailOptions options, OutgoingMessage message) {
        Set<String> recipients = new LinkedHashSet<>();
        options.recipients().forEach(arg -> recipients.addAll(AddressList.addresses(arg)));
        if (options.extractRecipients()) {
            boolean resent = RESENT_DESTINATION_FIELDS.stream().anyMatch(message::has);
            for (String field : resent ? RESENT_DESTINATION_FIELDS : DESTINATION_FIELDS) {
                recipients.addAll(message.addresses(field));
            }
        }
        message.remove("Bcc");
        message.remove("Resent-Bcc");
        return new ArrayList<>(recipients);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
