package org.carrier.delivery.smtp.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.Submission;
import org.carrier.api.route.Router;
import org.carrier.api.transport.MessageSource;

/** What one outbound filter sees of the transaction: the state after the filters before it. */
final class OutboundView implements OutboundMessage {
    private final String queueId;
    private final Envelope envelope;
    private final MessageSource content;
    private final boolean eightBit;
    private final OutboundStage.OutboundHeader original;
    private final List<HeaderField> prepended;

    OutboundView(String queueId, Envelope envelope, MessageSource content, boolean eightBit,
                 OutboundStage.OutboundHeader original, List<HeaderField> prepended) {
        this.queueId = queueId;
        this.envelope = envelope;
        this.content = content;
        this.eightBit = eightBit;
        this.original = original;
        this.prepended = prepended;
    }

    @Override
    public String queueId() {
        return queueId;
    }

    @Override
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public MessageSource content() {
        return content;
    }

    @Override
    public List<HeaderField> header() {
        if (prepended.isEmpty()) {
            return original.fields();
        }
        List<HeaderField> all = new ArrayList<>(prepended);
        all.addAll(original.fields());
        return List.copyOf(all);
    }

    @Override
    public boolean submittedHere() {
        return Submission.isHere(envelope);
    }

    @Override
    public boolean eightBit() {
        return eightBit;
    }

    @Override
    public boolean forwarded() {
        return envelope.recipients().stream().anyMatch(r -> r.parameters().containsKey(Router.FORWARDED_PARAMETER));
    }

    @Override
    public List<String> forwardedBy() {
        Set<String> aliases = new LinkedHashSet<>();
        for (Recipient r : envelope.recipients()) {
            String alias = r.parameters().get(Router.FORWARDED_PARAMETER);
            if (alias != null && !alias.isEmpty()) {
                aliases.add(alias);
            }
        }
        return List.copyOf(aliases);
    }
}
