package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.outbound.OutboundFilter;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.api.transport.MessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound stage of one SMTP transaction: the {@link OutboundFilter}s in order, on the content exactly as it will
 * be sent. Each filter sees the fields the filters before it prepended on top, and the reverse-path an earlier one
 * chose. The stage runs in {@link MailTransaction} after the 8-bit conversion (what is signed is what is sent) and
 * before the SIZE check and MAIL FROM (which sends the rewritten reverse-path and the size with the new fields).
 * LMTP does not run it (see {@link OutboundFilter}: the message stays at this site).
 */
final class OutboundStage {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundStage.class);
    /** No filter: the transaction sends the content as it is, without a copy and without reading its header. */
    static final OutboundStage NONE = new OutboundStage(List.of());

    /** A filter and its name for log lines ({@link OutboundFilter#NAME}, or its class). */
    record Named(String name, OutboundFilter filter) {
    }

    /**
     * What the transaction sends: the envelope (perhaps with another reverse-path) and the content (perhaps with
     * fields on top); or the deferral of all its recipients.
     */
    record Applied(Envelope envelope, MessageSource content, SmtpReply deferral) {
        static Applied deferred(SmtpReply reply) {
            return new Applied(null, null, reply);
        }
    }

    private final List<Named> filters;

    OutboundStage(List<Named> filters) {
        this.filters = List.copyOf(filters);
    }

    boolean isEmpty() {
        return filters.isEmpty();
    }

    Applied run(String queueId, Envelope envelope, MessageSource content, boolean eightBit) {
        if (filters.isEmpty()) {
            return new Applied(envelope, content, null);
        }
        OutboundHeader original = new OutboundHeader(content); // read at most once, when a filter asks
        Envelope current = envelope;
        MessageSource sent = content;
        PrependedContent.Fields prepended = new PrependedContent.Fields();
        for (Named named : filters) {
            OutboundResult result;
            try {
                result = named.filter().filter(new OutboundView(queueId, current, sent, eightBit, original, prepended.fields()));
                if (result == null) {
                    throw new IllegalStateException("the filter returned no result");
                }
                prepended.add(result.prepended());
            } catch (Exception | LinkageError e) {
                return failed(queueId, named, e);
            }
            if (result.deferral() != null) {
                LOG.info("{}: outbound filter {} defers the transaction: {}", queueId, named.name(), result.deferral());
                return Applied.deferred(result.deferral());
            }
            if (result.reversePath() != null) {
                current = new Envelope(result.reversePath(), current.mailParameters(), current.recipients());
            }
            if (!result.prepended().isEmpty()) {
                sent = new PrependedContent(prepended.bytes(), content);
            }
        }
        return new Applied(current, sent, null);
    }

    /**
     * A filter that throws defers the transaction (RFC 3463 §3.4: X.3.0, a problem on this side): the message stays
     * queued and is tried again, and never leaves without what the filter should have added.
     */
    private static Applied failed(String queueId, Named named, Throwable e) {
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        LOG.warn("{}: outbound filter {} failed, the transaction's recipients are deferred (451 4.3.0): {}", queueId,
                named.name(), String.valueOf(cause));
        return Applied.deferred(new SmtpReply(451, "4.3.0", "outbound filter " + named.name() + " failed"));
    }

    /** The header of the content before any filter, parsed once per transaction. */
    static final class OutboundHeader {
        private final MessageSource content;
        private List<HeaderField> fields;

        OutboundHeader(MessageSource content) {
            this.content = content;
        }

        synchronized List<HeaderField> fields() {
            if (fields == null) {
                try {
                    fields = content.headerFields();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return fields;
        }
    }
}
