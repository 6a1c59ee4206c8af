package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;

/**
 * One mail transaction on an open session, shared by SMTP and LMTP: MAIL, one RCPT per recipient, DATA,
 * the message, and the final reply (SMTP) or one reply per accepted recipient (LMTP, RFC 2033 §4.2).
 * With PIPELINING (RFC 2920 §3.1) MAIL, the RCPTs and DATA go out as one group, and the replies are read after.
 */
final class MailTransaction {
    private final Protocol protocol;
    private final Settings.Timeouts timeouts;

    /** The outcomes, and whether the session may carry another transaction. */
    record Result(List<RecipientOutcome> outcomes, boolean reusable) {
    }

    MailTransaction(Protocol protocol, Settings.Timeouts timeouts) {
        this.protocol = protocol;
        this.timeouts = timeouts;
    }

    Result run(Session session, DeliveryRequest request) {
        Envelope envelope = request.envelope();
        Outcomes outcomes = new Outcomes(envelope.recipients(), session.remote());
        Conversation talk = new Conversation(session);
        try {
            SmtpReply refusal = refusal(session.extensions(), request);
            if (refusal != null) {
                outcomes.decideAll(envelope.recipients(), refusal);
                return new Result(outcomes.inOrder(), true);
            }
            boolean eightBit = Content.isEightBit(envelope, request.message());
            String mail = Commands.mail(envelope, session.extensions(), request.message().size(), eightBit,
                    Content.needsSmtpUtf8(envelope));
            List<Recipient> accepted = session.extensions().has("PIPELINING")
                    ? envelopePipelined(talk, mail, request, outcomes)
                    : envelopeInTurn(talk, mail, request, outcomes);
            if (accepted != null && !accepted.isEmpty()) {
                data(talk, request, accepted, outcomes);
            }
            session.transactionDone();
            return new Result(outcomes.inOrder(), !talk.closing);
        } catch (IOException e) {
            // A broken connection before the final reply is never a delivery (RFC 5321 §6.1): try again later.
            outcomes.deferRest(new SmtpReply(451, "4.4.2", "connection with " + session.remote() + " lost: " + e.getMessage()));
            return new Result(outcomes.inOrder(), false);
        }
    }

    /**
     * What the peer cannot carry, decided before MAIL: RFC 6531 §3.2 (no SMTPUTF8: 5.6.7), RFC 6152 §3
     * (8-bit data to a peer without 8BITMIME: 5.6.3, conversion not supported), RFC 1870 §6.1 (too big: 5.3.4).
     */
    private static SmtpReply refusal(Extensions peer, DeliveryRequest request) throws IOException {
        if (Content.needsSmtpUtf8(request.envelope()) && !peer.has("SMTPUTF8")) {
            return new SmtpReply(550, "5.6.7", "internationalized address or SMTPUTF8 message, and the peer does not support SMTPUTF8");
        }
        if (!peer.has("8BITMIME") && Content.isEightBit(request.envelope(), request.message())) {
            return new SmtpReply(554, "5.6.3", "8-bit message, and the peer does not support 8BITMIME; conversion to 7-bit not supported");
        }
        long limit = Commands.sizeLimit(peer);
        if (limit > 0 && request.message().size() > limit) {
            return new SmtpReply(552, "5.3.4", "message of " + request.message().size() + " bytes exceeds the peer's limit of " + limit);
        }
        return null;
    }

    /** RFC 2920 §3.1: MAIL, every RCPT and DATA in one group; DATA is last because its reply depends on the others. */
    private List<Recipient> envelopePipelined(Conversation talk, String mail, DeliveryRequest request, Outcomes outcomes)
            throws IOException {
        List<Recipient> recipients = request.envelope().recipients();
        talk.connection.write(mail);
        for (Recipient r : recipients) {
            talk.connection.write(Commands.rcpt(r, talk.extensions));
        }
        talk.connection.write("DATA");
        talk.connection.flush(timeouts.command());
        Reply mailReply = talk.read(timeouts.command());
        List<Recipient> accepted = new ArrayList<>();
        for (Recipient r : recipients) {
            recipientReply(r, talk.read(timeouts.command()), accepted, outcomes);
        }
        Reply dataReply = talk.read(timeouts.dataInit());
        if (!mailReply.isPositive()) {
            accepted.clear();
            outcomes.decideAll(recipients, mailReply.toSmtpReply());
        }
        if (dataReply.code() == 354 && accepted.isEmpty()) {
            // RFC 2920 §3.1: the server started data although nobody was accepted: end it empty.
            talk.connection.sendData(InputStream.nullInputStream(), timeouts.dataBlock());
            talk.read(timeouts.finalReply());
            return null;
        }
        if (dataReply.code() != 354) {
            outcomes.decideAll(accepted, dataReply.toSmtpReply());
            return null;
        }
        return accepted;
    }

    private List<Recipient> envelopeInTurn(Conversation talk, String mail, DeliveryRequest request, Outcomes outcomes)
            throws IOException {
        List<Recipient> recipients = request.envelope().recipients();
        Reply mailReply = talk.command(mail, timeouts.command());
        if (!mailReply.isPositive()) {
            outcomes.decideAll(recipients, mailReply.toSmtpReply());
            return null;
        }
        List<Recipient> accepted = new ArrayList<>();
        for (Recipient r : recipients) {
            recipientReply(r, talk.command(Commands.rcpt(r, talk.extensions), timeouts.command()), accepted, outcomes);
        }
        if (accepted.isEmpty()) {
            return null;
        }
        Reply dataReply = talk.command("DATA", timeouts.dataInit());
        if (dataReply.code() != 354) {
            outcomes.decideAll(accepted, dataReply.toSmtpReply());
            return null;
        }
        return accepted;
    }

    private static void recipientReply(Recipient r, Reply reply, List<Recipient> accepted, Outcomes outcomes) {
        if (reply.isPositive()) {
            accepted.add(r);
        } else {
            outcomes.decide(r, reply.toSmtpReply());
        }
    }

    /** The message, then the reply for all (SMTP) or one reply per accepted recipient in RCPT order (LMTP). */
    private void data(Conversation talk, DeliveryRequest request, List<Recipient> accepted, Outcomes outcomes)
            throws IOException {
        try (InputStream message = request.message().open()) {
            talk.connection.sendData(message, timeouts.dataBlock());
        }
        int replies = protocol.finalReplies(accepted.size());
        for (int i = 0; i < replies; i++) {
            SmtpReply reply = talk.read(timeouts.finalReply()).toSmtpReply();
            outcomes.decideAll(replies == 1 ? accepted : List.of(accepted.get(i)), reply);
        }
    }

    /** Reads replies and notes a 421: the peer is closing the connection (RFC 5321 §3.8), so no reuse. */
    private static final class Conversation {
        private final PeerConnection connection;
        private final Extensions extensions;
        private boolean closing;

        Conversation(Session session) {
            this.connection = session.connection();
            this.extensions = session.extensions();
        }

        Reply read(int timeoutMillis) throws IOException {
            Reply reply = connection.read(timeoutMillis);
            closing |= reply.code() == 421;
            return reply;
        }

        Reply command(String line, int timeoutMillis) throws IOException {
            connection.write(line);
            connection.flush(timeoutMillis);
            return read(timeoutMillis);
        }
    }
}
