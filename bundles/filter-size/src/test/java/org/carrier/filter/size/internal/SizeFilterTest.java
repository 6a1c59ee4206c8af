package org.carrier.filter.size.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;

import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.Test;

class SizeFilterTest {

    private final SizeFilter filter = new SizeFilter();

    @Test
    void theDefaultLimitAppliesToListenersWithoutTheirOwn() {
        filter.configure(config(100, "submission=5000"));
        assertEquals(100, filter.maxMessageSize(on("default")));
        assertEquals(5000, filter.maxMessageSize(on("submission")));
    }

    @Test
    void aNewLimitAppliesAtOnce() {
        filter.configure(config(100));
        filter.configure(config(1000));
        assertEquals(1000, filter.maxMessageSize(on("default")));
    }

    @Test
    void aBrokenSettingKeepsTheLastGoodLimits() {
        filter.configure(config(100, "submission=5000"));
        filter.configure(config(100, "submission=lots"));
        assertEquals(5000, filter.maxMessageSize(on("submission")));
        filter.configure(config(0));
        assertEquals(100, filter.maxMessageSize(on("default")));
        filter.configure(config(100, "=5"));
        assertEquals(5000, filter.maxMessageSize(on("submission")));
    }

    private static SessionInfo on(String listener) {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 25);
        return new SessionInfo("s1", listener, loopback, loopback, null, false, null, null, false);
    }

    private static SizeFilter.Config config(long bytes, String... perListener) {
        return new SizeFilter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SizeFilter.Config.class;
            }

            @Override
            public long maxMessageSize() {
                return bytes;
            }

            @Override
            public String[] listenerLimits() {
                return perListener;
            }
        };
    }
}
