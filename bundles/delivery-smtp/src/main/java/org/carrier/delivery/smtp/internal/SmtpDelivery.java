package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt of one message over SMTP (RFC 5321 §3.3): the next hops are tried in order
 * until one greets us; then one transaction decides each recipient's outcome.
 */
final class SmtpDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpDelivery.class);

    /** Timeouts in milliseconds; RFC 5321 §4.5.3.2 gives 5 minutes per command and 10 for the final dot. */
    record Settings(String heloName, int connectTimeout, int commandTimeout, int finalReplyTimeout) {
    }

    private final Settings settings;

    SmtpDelivery(Settings settings) {
        this.settings = settings;
    }

    List<RecipientOutcome> deliver(DeliveryRequest request) {
        List<Recipient> recipients = request.envelope().recipients();
        if (request.nextHops().isEmpty()) {
            return all(recipients, new SmtpReply(451, "4.4.3", "no next hop configured for this route"), "none");
        }
        String problem = "no next hop answered";
        String lastHop = "none";
        for (NextHop hop : request.nextHops()) {
            lastHop = hop.toString();
            try (SmtpConnection connection = SmtpConnection.open(hop.host(), hop.port(), settings.connectTimeout(),
                    settings.commandTimeout())) {
                Reply greeting = connection.read();
                if (greeting.code() != 220) {
                    // RFC 5321 §3.1: a host that does not greet with 220 is not accepting mail; try the next one.
                    problem = connection.remote() + " greeted with " + greeting.toSmtpReply();
                    quietQuit(connection);
                    continue;
                }
                Map<String, String> extensions = hello(connection);
                if (extensions == null) {
                    problem = connection.remote() + " refused EHLO and HELO";
                    quietQuit(connection);
                    continue;
                }
                return transaction(request, connection, extensions);
            } catch (IOException e) {
                problem = hop + ": " + e.getMessage();
                LOG.warn("{}: connect to {}: {}", request.queueId(), hop, e.toString());
            }
        }
        // RFC 3463 §3.5: X.4.1 "No answer from host"; a host problem, so every recipient waits for a retry.
        return all(recipients, new SmtpReply(451, "4.4.1", problem), lastHop);
    }

    /** EHLO, or HELO if the peer does not know EHLO (RFC 5321 §4.1.1.1); null if neither is accepted. */
    private Map<String, String> hello(SmtpConnection connection) throws IOException {
        Reply ehlo = connection.command("EHLO " + settings.heloName());
        if (ehlo.isPositive()) {
            Map<String, String> extensions = new LinkedHashMap<>();
            for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
                String[] parts = line.trim().split("\\s+", 2);
                extensions.put(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
            }
            return extensions;
        }
        return connection.command("HELO " + settings.heloName()).isPositive() ? Map.of() : null;
    }

    private List<RecipientOutcome> transaction(DeliveryRequest request, SmtpConnection connection,
                                               Map<String, String> extensions) {
        List<Recipient> recipients = request.envelope().recipients();
        Map<Recipient, RecipientOutcome> decided = new LinkedHashMap<>();
        List<Recipient> accepted = new ArrayList<>();
        String remote = connection.remote();
        try {
            String size = extensions.containsKey("SIZE") ? " SIZE=" + request.message().size() : "";
            Reply mail = connection.command("MAIL FROM:<" + request.envelope().reversePath() + ">" + size);
            if (!mail.isPositive()) {
                quietQuit(connection);
                return all(recipients, mail.toSmtpReply(), remote);
            }
            for (Recipient r : recipients) {
                Reply rcpt = connection.command("RCPT TO:<" + r.address() + ">");
                if (rcpt.isPositive()) {
                    accepted.add(r);
                } else {
                    decided.put(r, RecipientOutcome.of(r, rcpt.toSmtpReply(), remote));
                }
            }
            if (accepted.isEmpty()) {
                quietQuit(connection);
                return inOrder(recipients, decided);
            }
            Reply data = connection.command("DATA");
            if (data.code() != 354) {
                accepted.forEach(r -> decided.put(r, RecipientOutcome.of(r, data.toSmtpReply(), remote)));
                quietQuit(connection);
                return inOrder(recipients, decided);
            }
            try (InputStream message = request.message().open()) {
                connection.sendData(message);
            }
            connection.setReadTimeout(settings.finalReplyTimeout());
            Reply result = connection.read();
            accepted.forEach(r -> decided.put(r, RecipientOutcome.of(r, result.toSmtpReply(), remote)));
            quietQuit(connection);
        } catch (IOException e) {
            // A broken connection before the final reply is never a delivery (RFC 5321 §6.1): try again later.
            SmtpReply lost = new SmtpReply(451, "4.4.2", "connection with " + remote + " lost: " + e.getMessage());
            for (Recipient r : recipients) {
                decided.putIfAbsent(r, new RecipientOutcome(r, Outcome.DEFERRED, lost, remote));
            }
        }
        return inOrder(recipients, decided);
    }

    private static void quietQuit(SmtpConnection connection) {
        try {
            connection.command("QUIT");
        } catch (IOException e) {
            // the transaction is decided; a failed QUIT changes nothing
        }
    }

    private static List<RecipientOutcome> inOrder(List<Recipient> recipients, Map<Recipient, RecipientOutcome> decided) {
        return recipients.stream().map(decided::get).toList();
    }

    private static List<RecipientOutcome> all(List<Recipient> recipients, SmtpReply reply, String remote) {
        return recipients.stream().map(r -> RecipientOutcome.of(r, reply, remote)).toList();
    }
}
