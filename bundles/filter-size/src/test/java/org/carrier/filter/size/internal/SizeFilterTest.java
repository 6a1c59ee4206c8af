package org.carrier.filter.size.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Map;

import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.MessageView;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

class SizeFilterTest {

    private final SizeFilter filter = new SizeFilter();

    SizeFilterTest() {
        filter.configure(limit(100));
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedAtMail() {
        Envelope big = Envelope.from(MailAddress.parse("a@b.test"), Map.of("SIZE", "101"));
        Envelope fits = Envelope.from(MailAddress.parse("a@b.test"), Map.of("SIZE", "100"));
        assertEquals(FilterAction.REJECT, filter.mailFrom(null, big).action());
        assertEquals(552, filter.mailFrom(null, big).reply().code());
        assertEquals("5.3.4", filter.mailFrom(null, big).reply().enhancedStatus());
        assertEquals(FilterAction.CONTINUE, filter.mailFrom(null, fits).action());
        assertEquals(FilterAction.CONTINUE, filter.mailFrom(null, Envelope.from(MailAddress.nullSender(), Map.of())).action());
    }

    @Test
    void messageOverTheLimitIsRefusedAfterData() {
        assertEquals(FilterAction.REJECT, filter.data(null, null, message(101)).action());
        assertEquals(FilterAction.CONTINUE, filter.data(null, null, message(100)).action());
    }

    @Test
    void aNewLimitAppliesAtOnce() {
        filter.configure(limit(1000));
        assertEquals(FilterAction.CONTINUE, filter.data(null, null, message(500)).action());
    }

    private static MessageView message(long size) {
        return new MessageView() {
            @Override
            public List<HeaderField> headers() {
                return List.of();
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream openContent() {
                return new ByteArrayInputStream(new byte[0]);
            }
        };
    }

    private static SizeFilter.Config limit(long bytes) {
        return new SizeFilter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SizeFilter.Config.class;
            }

            @Override
            public long maxMessageSize() {
                return bytes;
            }
        };
    }
}
