package org.carrier.filter.dkim.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.message.HeaderField;

/**
 * A message in memory as the SMTP server shows it to filters.
 *
 * @param fromOwnedByUser what the server's sender-login rule says of its From (true: an authenticated user's own)
 */
record TestMessage(byte[] content, List<AuthResult> authResults, boolean fromOwnedByUser) implements MessageView {

    @Override
    public String queueId() {
        return "TESTQUEUEID";
    }

    TestMessage(byte[] content, List<AuthResult> authResults) {
        this(content, authResults, true);
    }

    static TestMessage of(String text) {
        return new TestMessage(text.replaceAll("(?<!\r)\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1), List.of());
    }

    /** This message as the server shows it when the authenticated user does not own its From. */
    TestMessage notOwned() {
        return new TestMessage(content, authResults, false);
    }

    /** This message with a field put on top, as the server writes one a filter adds. */
    TestMessage withFieldOnTop(String name, String value) {
        return of(name + ": " + value + "\r\n" + new String(content, StandardCharsets.ISO_8859_1));
    }

    @Override
    public List<HeaderField> headers() {
        try {
            return RawHeader.read(openContent()).fields().stream()
                    .map(f -> new HeaderField(RawHeader.name(f), RawHeader.value(f))).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public long size() {
        return content.length;
    }

    @Override
    public InputStream openContent() {
        return new ByteArrayInputStream(content);
    }

    String text() {
        return new String(content, StandardCharsets.ISO_8859_1);
    }
}
