package org.carrier.filter.dkim.internal;

import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.api.transport.MessageSource;

/** A queued message as the SMTP transport shows it to an outbound filter. */
record TestOutbound(byte[] bytes, boolean forwarded, List<String> forwardedBy) implements OutboundMessage {

    /** Mail that {@code alias} forwarded to another domain. */
    static TestOutbound forwardedBy(String alias, byte[] content) {
        return new TestOutbound(content, true, List.of(alias));
    }

    @Override
    public String queueId() {
        return "TESTQUEUEID";
    }

    @Override
    public Envelope envelope() {
        return Envelope.from(MailAddress.parse("alice@origin.test"), Map.of());
    }

    @Override
    public MessageSource content() {
        return MessageSource.of(bytes);
    }

    @Override
    public List<HeaderField> header() {
        return TestMessage.of(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)).headers();
    }

    @Override
    public boolean submittedHere() {
        return false;
    }

    @Override
    public boolean eightBit() {
        return false;
    }

    /** The message as the transport sends it: the result's fields on top, the first on top. */
    byte[] with(OutboundResult result) {
        StringBuilder top = new StringBuilder();
        for (HeaderField field : result.prepended()) {
            top.append(field).append("\r\n");
        }
        byte[] head = top.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return all;
    }
}
