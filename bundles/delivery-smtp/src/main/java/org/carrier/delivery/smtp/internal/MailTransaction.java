package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.RecipientOutcome;

/**
 * One mail transaction on an open session, shared by SMTP and LMTP: MAIL, one RCPT per recipient, DATA and
 * the message (or the message as one BDAT chunk, RFC 3030), and the final reply (SMTP) or one reply per
 * accepted recipient (LMTP, RFC 2033 §4.2). With PIPELINING (RFC 2920 §3.1) MAIL, the RCPTs and DATA go out as
 * one group, and the replies are read after.
 */
final class MailTransaction {
    /** Conversion reads the message into memory: larger 8-bit messages fail instead (5.6.3). */
    private static final long MAX_CONVERSION = 64L << 20;
    /** Messages up to this size are read into memory once, then scanned for 8-bit bytes and sent from there. */
    private static final long READ_ONCE = 256 << 10;

    private final Protocol protocol;
    private final Settings.Timeouts timeouts;
    private final boolean convertEightBit;
    private final boolean chunking;

    /**
     * The outcomes, whether the session may carry another transaction, and whether the transaction may be tried
     * again on a new connection because the peer accepted nothing of it: it had gone before it answered anything
     * (connection closed, or 421 as the first reply), or it answered MAIL on a reused connection with 503 (it still
     * held an earlier transaction, RFC 5321 §4.1.4: a fault of the connection, never of the message).
     */
    record Result(List<RecipientOutcome> outcomes, boolean reusable, boolean tryOnNewConnection) {
        Result(List<RecipientOutcome> outcomes, boolean reusable) {
            this(outcomes, reusable, false);
        }
    }

    /**
     * What goes on the wire: the envelope (with the reverse-path an outbound filter chose), the content (converted to
     * 7-bit, or as queued, with the outbound filters' fields on top) and whether it is 8-bit; or a refusal.
     */
    private record Content(Envelope envelope, MessageSource source, boolean eightBit, SmtpReply refusal) {
        static Content refused(SmtpReply reply) {
            return new Content(null, null, false, reply);
        }
    }

    private final Supplier<OutboundStage> outbound;

    MailTransaction(Protocol protocol, Settings settings) {
        this(protocol, settings, () -> OutboundStage.NONE);
    }

    /** @param outbound the outbound filters in force, taken once per transaction (SMTP only; LMTP has none) */
    MailTransaction(Protocol protocol, Settings settings, Supplier<OutboundStage> outbound) {
        this.protocol = protocol;
        this.timeouts = settings.timeouts();
        this.convertEightBit = settings.convertEightBit();
        this.chunking = settings.chunking();
        this.outbound = outbound;
    }

    Result run(Session session, DeliveryRequest request) {
        Envelope envelope = request.envelope();
        Outcomes outcomes = new Outcomes(envelope.recipients(), session.remote());
        Conversation talk = new Conversation(session);
        boolean reused = session.transactions() > 0;
        Content content;
        try {
            content = content(session.extensions(), request);
        } catch (IOException e) {
            // RFC 3463 §3.4: X.3.0, a problem on this side; the queue keeps the message and tries again.
            content = Content.refused(new SmtpReply(451, "4.3.0", "cannot read the queued message: " + e.getMessage()));
        }
        try {
            if (content.refusal() != null) {
                outcomes.decideAll(envelope.recipients(), content.refusal());
                return new Result(outcomes.inOrder(), true);
            }
            String mail = Commands.mail(content.envelope(), session.extensions(), content.source().size(),
                    content.eightBit(), envelope.isInternationalized());
            boolean bdat = chunking && session.extensions().has("CHUNKING");
            List<Recipient> accepted = session.extensions().has("PIPELINING")
                    ? envelopePipelined(talk, mail, request, outcomes, bdat)
                    : envelopeInTurn(talk, mail, request, outcomes, bdat);
            if (accepted != null && !accepted.isEmpty()) {
                data(talk, content.source(), accepted, outcomes, bdat);
            }
            session.transactionDone();
            if (reused && talk.mailCode == 503) {
                return new Result(outcomes.inOrder(), false, true);
            }
            boolean reusable = !talk.closing && !talk.abandoned && (talk.ended || reset(talk));
            return new Result(outcomes.reported(protocol, session.extensions()), reusable, talk.firstReplyCode == 421);
        } catch (IOException e) {
            // A broken connection before the final reply is never a delivery (RFC 5321 §6.1): try again later.
            outcomes.deferRest(new SmtpReply(451, "4.4.2", "connection with " + session.remote() + " lost: " + e.getMessage()));
            return new Result(outcomes.inOrder(), false, talk.firstReplyCode == 0);
        }
    }

    /**
     * A transaction that did not end with the reply to its data is still open at the peer: MAIL was accepted but no
     * recipient, or DATA was refused. RFC 5321 §4.1.1.5: RSET aborts it, so that the next MAIL on this connection
     * is not refused as nested (503). Only such transactions pay this round trip. A peer that does not take RSET
     * is not reused.
     */
    private boolean reset(Conversation talk) throws IOException {
        if (talk.mailCode == 0) {
            return true; // nothing was sent (content refused before MAIL): nothing to reset
        }
        return talk.command("RSET", timeouts.command()).isPositive() && !talk.closing;
    }

    /**
     * What goes on the wire, decided before MAIL. RFC 6531 §3.2: SMTPUTF8 mail for a peer without it fails (5.6.7).
     * RFC 6152 §3: 8-bit mail for a peer without 8BITMIME is converted to 7-bit, or fails (5.6.3) when it cannot be.
     * Then the outbound filters, on what will be sent (a signature of the 8-bit original would break with the
     * conversion). RFC 1870 §6.1: a message over the peer's SIZE, with the filters' fields, fails (5.3.4).
     */
    private Content content(Extensions peer, DeliveryRequest request) throws IOException {
        if (request.envelope().isInternationalized() && !peer.has("SMTPUTF8")) {
            return Content.refused(new SmtpReply(550, "5.6.7",
                    "internationalized address or SMTPUTF8 message, and the peer does not support SMTPUTF8"));
        }
        MessageSource source = request.message();
        if (source.size() <= READ_ONCE) {
            source = MessageContent.of(readAll(source)); // one read of the spool file where the 8-bit scan and DATA made two
        }
        boolean eightBit = MessageContent.isEightBit(request.envelope(), source);
        if (eightBit && !peer.has("8BITMIME")) {
            byte[] converted = convertEightBit && source.size() <= MAX_CONVERSION ? convert(source) : null;
            if (converted == null) {
                return Content.refused(new SmtpReply(554, "5.6.3", "8-bit message, the peer does not support 8BITMIME, and "
                        + (convertEightBit ? "the message cannot be converted to 7-bit (8-bit header fields, or too large)"
                        : "conversion to 7-bit is turned off")));
            }
            source = MessageContent.of(converted);
            eightBit = false;
        }
        Envelope envelope = request.envelope();
        OutboundStage stage = outbound.get();
        if (!stage.isEmpty()) {
            OutboundStage.Applied applied = stage.run(request.queueId(), envelope, source, eightBit);
            if (applied.deferral() != null) {
                return Content.refused(applied.deferral());
            }
            envelope = applied.envelope();
            source = applied.content();
        }
        long limit = Commands.sizeLimit(peer);
        if (limit > 0 && source.size() > limit) {
            return Content.refused(new SmtpReply(552, "5.3.4", "message of " + source.size()
                    + " bytes exceeds the peer's limit of " + limit));
        }
        return new Content(envelope, source, eightBit, null);
    }

    private static byte[] convert(MessageSource source) throws IOException {
        return SevenBitConverter.convert(readAll(source));
    }

    private static byte[] readAll(MessageSource source) throws IOException {
        try (InputStream in = source.open()) {
            return in.readAllBytes();
        }
    }

    /**
     * RFC 2920 §3.1: MAIL, every RCPT and DATA in one group; DATA is last because its reply depends on the others.
     * With BDAT the chunk follows once the RCPT replies are in, so that it is not sent for nobody (RFC 3030 §4.2).
     */
    private List<Recipient> envelopePipelined(Conversation talk, String mail, DeliveryRequest request, Outcomes outcomes,
                                              boolean bdat) throws IOException {
        List<Recipient> recipients = request.envelope().recipients();
        talk.connection.write(mail);
        for (Recipient r : recipients) {
            talk.connection.write(Commands.rcpt(r, talk.extensions));
        }
        if (!bdat) {
            talk.connection.write("DATA");
        }
        talk.connection.flush(timeouts.command());
        Reply mailReply = talk.mail(talk.read(timeouts.command()));
        List<Recipient> accepted = new ArrayList<>();
        for (Recipient r : recipients) {
            recipientReply(r, talk.read(timeouts.command()), accepted, outcomes);
        }
        if (bdat) {
            if (!mailReply.isPositive()) {
                outcomes.decideAll(recipients, mailReply.toSmtpReply());
                return null;
            }
            return accepted;
        }
        Reply dataReply = talk.read(timeouts.dataInit());
        if (!mailReply.isPositive()) {
            outcomes.decideAll(recipients, mailReply.toSmtpReply());
            if (dataReply.code() == 354) {
                // The peer refused our MAIL yet went into data mode, so the RCPTs it took belong to a transaction
                // that is not ours; a final dot would deliver an empty message to them. Only dropping the connection
                // before the dot aborts that (RFC 5321 §4.1.1.4: without the end of data nothing is delivered).
                talk.abandoned = true;
            }
            return null;
        }
        if (dataReply.code() == 354 && accepted.isEmpty()) {
            // RFC 2920 §3.1: the server went into data mode although no RCPT was accepted; the client "should send
            // a single dot". With no recipient the peer delivers nothing, and the dot ends the transaction.
            talk.connection.sendData(InputStream.nullInputStream(), 0, timeouts.dataBlock());
            talk.read(timeouts.finalReply());
            talk.ended = true;
            return null;
        }
        if (dataReply.code() != 354) {
            outcomes.decideAll(accepted, dataReply.toSmtpReply());
            return null;
        }
        return accepted;
    }

    private List<Recipient> envelopeInTurn(Conversation talk, String mail, DeliveryRequest request, Outcomes outcomes,
                                           boolean bdat) throws IOException {
        List<Recipient> recipients = request.envelope().recipients();
        Reply mailReply = talk.mail(talk.command(mail, timeouts.command()));
        if (!mailReply.isPositive()) {
            outcomes.decideAll(recipients, mailReply.toSmtpReply());
            return null;
        }
        List<Recipient> accepted = new ArrayList<>();
        for (Recipient r : recipients) {
            recipientReply(r, talk.command(Commands.rcpt(r, talk.extensions), timeouts.command()), accepted, outcomes);
        }
        if (accepted.isEmpty() || bdat) {
            return accepted;
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
    private void data(Conversation talk, MessageSource content, List<Recipient> accepted, Outcomes outcomes, boolean bdat)
            throws IOException {
        try (InputStream message = content.open()) {
            if (bdat) {
                talk.connection.sendChunk(message, content.size(), timeouts.dataBlock());
            } else {
                talk.connection.sendData(message, content.size(), timeouts.dataBlock());
            }
        }
        int replies = protocol.finalReplies(accepted.size());
        for (int i = 0; i < replies; i++) {
            SmtpReply reply = talk.read(timeouts.finalReply()).toSmtpReply();
            outcomes.decideAll(replies == 1 ? accepted : List.of(accepted.get(i)), reply);
        }
        talk.ended = true;
    }

    /**
     * Reads replies and notes what decides the connection's reuse: a 421 (the peer is closing the connection,
     * RFC 5321 §3.8), the reply to MAIL, whether the transaction ended with the replies after the data (or a lone
     * dot), and whether it was abandoned in data mode.
     */
    private static final class Conversation {
        private final PeerConnection connection;
        private final Extensions extensions;
        private boolean closing;
        private int firstReplyCode;
        private int mailCode;
        private boolean ended;
        private boolean abandoned;

        Conversation(Session session) {
            this.connection = session.connection();
            this.extensions = session.extensions();
        }

        Reply read(int timeoutMillis) throws IOException {
            Reply reply = connection.read(timeoutMillis);
            closing |= reply.code() == 421;
            if (firstReplyCode == 0) {
                firstReplyCode = reply.code();
            }
            return reply;
        }

        Reply mail(Reply reply) {
            mailCode = reply.code();
            return reply;
        }

        Reply command(String line, int timeoutMillis) throws IOException {
            connection.write(line);
            connection.flush(timeoutMillis);
            return read(timeoutMillis);
        }
    }
}
