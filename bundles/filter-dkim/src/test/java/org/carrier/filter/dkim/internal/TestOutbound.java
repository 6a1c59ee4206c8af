package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.outbound.OutboundResult;
import org.carrier.api.route.Router;
import org.carrier.api.transport.MessageSource;

/**
 * A message as the SMTP transport's outbound stage shows it to a filter.
 *
 * @param alias the alias that forwarded it, or null when it was addressed directly
 * @param headerReads how often a filter asked for the header
 */
record TestOutbound(byte[] bytes, boolean submittedHere, String alias, AtomicInteger headerReads) implements OutboundMessage {

    static TestOutbound submitted(TestMessage message) {
        return new TestOutbound(message.content(), true, null, new AtomicInteger());
    }

    static TestOutbound fromElsewhere(TestMessage message) {
        return new TestOutbound(message.content(), false, null, new AtomicInteger());
    }

    static TestOutbound forwardedFromElsewhere(TestMessage message, String alias) {
        return new TestOutbound(message.content(), false, alias, new AtomicInteger());
    }

    /** Mail from elsewhere, addressed directly (not forwarded). */
    static TestOutbound fromElsewhere(byte[] content) {
        return new TestOutbound(content, false, null, new AtomicInteger());
    }

    /** Mail from elsewhere that {@code alias} forwarded to another domain. */
    static TestOutbound forwardedBy(String alias, byte[] content) {
        return new TestOutbound(content, false, alias, new AtomicInteger());
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

    @Override
    public String queueId() {
        return "TESTQUEUEID";
    }

    @Override
    public Envelope envelope() {
        Map<String, String> parameters = alias == null ? Map.of() : Map.of(Router.FORWARDED_PARAMETER, alias);
        return new Envelope(MailAddress.parse("alice@sign.test"), Map.of(),
                List.of(new Recipient(MailAddress.parse("bob@example.net"), parameters)));
    }

    @Override
    public MessageSource content() {
        return MessageSource.of(bytes);
    }

    @Override
    public List<HeaderField> header() {
        headerReads.incrementAndGet();
        try {
            return RawHeader.read(content().open()).fields().stream()
                    .map(f -> new HeaderField(RawHeader.name(f), RawHeader.value(f))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean eightBit() {
        return false;
    }

    @Override
    public boolean forwarded() {
        return alias != null;
    }

    @Override
    public List<String> forwardedBy() {
        return alias == null ? List.of() : List.of(alias);
    }
}
