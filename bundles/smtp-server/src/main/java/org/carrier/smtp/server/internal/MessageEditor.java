package org.carrier.smtp.server.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.filter.MessageEdits;
import org.carrier.api.filter.MessageEdits.RecipientEdit;
import org.carrier.api.filter.MessageEdits.SenderChange;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.IncomingMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the DATA filters' {@link MessageEdits} to a received message before it is committed, so that what is queued
 * is what the filters (milters) decided, under the queue ID they saw: header edits and a replacement body through
 * {@link IncomingMessage#rewrite()}, recipient and sender edits to the envelope. Edits apply in chain order, each
 * filter's in its own order. The header field this server added first (its Received field, RFC 5321 §4.4) is not
 * changed or removed: it records the transaction as it happened. The fields filters prepend
 * ({@code Authentication-Results} and the like) are kept apart by the queue and stay above whatever is edited here.
 */
final class MessageEditor {
    private static final Logger LOG = LoggerFactory.getLogger(MessageEditor.class);

    /** One DATA filter's edits with the filter's name, for logs. */
    record FilterEdits(String filter, MessageEdits edits) {
    }

    /** The edits cannot be applied: the reply to give and the filter they came from. */
    static final class Refused extends Exception {
        private final SmtpReply reply;

        Refused(SmtpReply reply, String why) {
            super(why, null, false, false);
            this.reply = reply;
        }

        SmtpReply reply() {
            return reply;
        }
    }

    private MessageEditor() {
    }

    /**
     * Applies every filter's edits.
     *
     * @param maxSize the transaction's size limit (RFC 1870), which the edited message must keep to as well
     * @param tls     whether the session is protected by TLS (REQUIRETLS is taken only then, RFC 8689 §2)
     * @return the envelope to queue the message with; one without recipients if the edits deleted them all
     * @throws Refused     if the edits make the message too big (552 5.3.4), give ESMTP parameters a client could not,
     *                     or a replacement body cannot be read (451 4.3.0); nothing is queued, and the client keeps
     *                     the message
     * @throws IOException if the queue cannot take the edited content
     */
    static Envelope apply(String queueId, IncomingMessage incoming, Envelope envelope, List<FilterEdits> all, long maxSize,
                          boolean tls) throws Refused, IOException {
        if (all.isEmpty()) {
            return envelope;
        }
        Envelope edited = envelope;
        for (FilterEdits f : all) {
            checkParameters(queueId, f, maxSize, tls);
            edited = editEnvelope(edited, f.edits());
        }
        if (all.stream().anyMatch(f -> !f.edits().headerEdits().isEmpty() || f.edits().replacementBody().isPresent())) {
            rewriteContent(queueId, incoming, all, maxSize);
        }
        all.forEach(f -> LOG.info("{}: edits from {}: {}", queueId, f.filter(), f.edits()));
        return edited;
    }

    /** Deletes the replacement bodies the filters handed over: applied, refused or ignored, the server owns them. */
    static void release(List<FilterEdits> all) {
        for (FilterEdits f : all) {
            Optional<Path> body = f.edits().replacementBody();
            if (body.isPresent()) {
                try {
                    Files.deleteIfExists(body.get());
                } catch (IOException e) {
                    LOG.warn("cannot delete the replacement body {} of filter {}: {}", body.get(), f.filter(), e.toString());
                }
            }
        }
    }

    /**
     * The ESMTP parameters of a new sender or recipient pass the checks a client's do (RFC 5321 §4.1.1.11), so that a
     * filter cannot set what no client may, such as the queue's own mark of a TLS report.
     */
    private static void checkParameters(String queueId, FilterEdits f, long maxSize, boolean tls) throws Refused {
        SmtpReply bad = f.edits().senderChange().map(c -> EsmtpParameters.checkMail(c.parameters(), maxSize, tls)).orElse(null);
        for (RecipientEdit e : f.edits().recipientEdits()) {
            bad = bad != null ? bad : EsmtpParameters.checkRcpt(e.recipient().parameters());
        }
        if (bad != null) {
            throw new Refused(Reply.FILTER_FAILURE, queueId + ": edits from filter " + f.filter() + " refused: an ESMTP parameter "
                    + "a client could not give (" + bad + ")");
        }
    }

    /**
     * Recipient edits in order: a deletion removes every recipient with that address (compared exactly, as RFC 5321
     * §2.4 leaves the local part's case to its host), an addition appends one not there yet (with its parameters;
     * the router judges it at delivery, as Postfix's cleanup takes a milter's recipients without RCPT checks). A new
     * sender's MAIL parameters are set over the client's, so that BODY, SMTPUTF8 or REQUIRETLS are not lost.
     */
    static Envelope editEnvelope(Envelope envelope, MessageEdits edits) {
        List<Recipient> recipients = new ArrayList<>(envelope.recipients());
        for (RecipientEdit e : edits.recipientEdits()) {
            switch (e.op()) {
                case DELETE -> recipients.removeIf(r -> r.address().equals(e.recipient().address()));
                case ADD -> {
                    if (recipients.stream().noneMatch(r -> r.address().equals(e.recipient().address()))) {
                        recipients.add(e.recipient());
                    }
                }
            }
        }
        Optional<SenderChange> sender = edits.senderChange();
        if (sender.isEmpty()) {
            return envelope.withRecipients(recipients);
        }
        Map<String, String> parameters = new LinkedHashMap<>(envelope.mailParameters());
        parameters.putAll(sender.get().parameters());
        return new Envelope(sender.get().sender(), parameters, recipients);
    }

    private static void rewriteContent(String queueId, IncomingMessage incoming, List<FilterEdits> all, long maxSize)
            throws Refused, IOException {
        EditableHeader header;
        try (InputStream in = new BufferedInputStream(incoming.openContent(), 16 * 1024)) {
            header = EditableHeader.read(in);
        } catch (EditableHeader.TooLarge e) {
            throw new Refused(Reply.MESSAGE_TOO_BIG, queueId + ": reject: a header larger than "
                    + EditableHeader.MAX_BYTES + " bytes cannot be edited (edits from " + names(all) + ")");
        }
        FilterEdits bodyFrom = null;
        for (FilterEdits f : all) {
            for (MessageEdits.HeaderEdit e : f.edits().headerEdits()) {
                if (!header.apply(e)) {
                    LOG.info("{}: filter {} may not {} this server's Received field; left as it is", queueId, f.filter(),
                            e.op().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            if (f.edits().replacementBody().isPresent()) {
                bodyFrom = f;
            }
        }
        long bodySize = bodyFrom == null ? incoming.size() - header.originalLength() : sizeOf(queueId, bodyFrom);
        long size = header.length() + bodySize;
        if (size > maxSize) {
            throw new Refused(Reply.MESSAGE_TOO_BIG, queueId + ": reject: edits from " + (bodyFrom != null ? bodyFrom.filter()
                    : names(all)) + " make the message " + size + " bytes, over the limit of " + maxSize);
        }
        write(queueId, incoming, header, bodyFrom, maxSize);
    }

    private static void write(String queueId, IncomingMessage incoming, EditableHeader header, FilterEdits bodyFrom, long maxSize)
            throws Refused, IOException {
        OutputStream out = incoming.rewrite();
        long written = header.writeTo(out);
        if (bodyFrom == null) {
            try (InputStream old = incoming.openContent()) {
                old.skipNBytes(header.originalLength());
                written += old.transferTo(out);
            }
        } else {
            written += copyBody(queueId, bodyFrom, out);
        }
        if (written > maxSize) {
            // bare line endings made CRLF grew the body past the limit: the stream is left open, the content unchanged
            throw new Refused(Reply.MESSAGE_TOO_BIG, queueId + ": reject: edits from " + (bodyFrom == null ? "filters" : bodyFrom.filter())
                    + " make the message " + written + " bytes, over the limit of " + maxSize);
        }
        out.close();
    }

    /** The replacement body into the new content; a body that cannot be read is the filter's failure, not the queue's. */
    private static long copyBody(String queueId, FilterEdits from, OutputStream out) throws Refused, IOException {
        Path file = from.edits().replacementBody().orElseThrow();
        InputStream opened;
        try {
            opened = Files.newInputStream(file);
        } catch (IOException e) {
            throw new Refused(Reply.FILTER_FAILURE, queueId + ": cannot read the replacement body from filter " + from.filter() + ": " + e);
        }
        try (InputStream body = new BufferedInputStream(opened, 64 * 1024)) {
            return CrlfCopy.copy(body, out);
        } catch (CrlfCopy.SourceFailure e) {
            throw new Refused(Reply.FILTER_FAILURE, queueId + ": cannot read the replacement body from filter " + from.filter()
                    + ": " + e.getMessage());
        }
    }

    private static long sizeOf(String queueId, FilterEdits f) throws Refused {
        Path file = f.edits().replacementBody().orElseThrow();
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new Refused(Reply.FILTER_FAILURE, queueId + ": cannot read the replacement body from filter " + f.filter()
                    + ": " + e);
        }
    }

    private static String names(List<FilterEdits> all) {
        return String.join(", ", all.stream().map(FilterEdits::filter).distinct().toList());
    }
}
