package org.carrier.filter.size.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.Test;

class SizeFilterTest {

    private final SizeFilter filter = new SizeFilter();

    @Test
    void theDefaultLimitAppliesToListenersWithoutTheirOwn() {
        filter.configure(config(100, "submission=5000"), Map.of());
        assertEquals(100, filter.maxMessageSize(on("default")));
        assertEquals(5000, filter.maxMessageSize(on("submission")));
    }

    @Test
    void aNewLimitAppliesAtOnce() {
        filter.configure(config(100), Map.of());
        filter.configure(config(1000), Map.of());
        assertEquals(1000, filter.maxMessageSize(on("default")));
    }

    @Test
    void aBrokenSettingKeepsTheLastGoodLimits() {
        filter.configure(config(100, "submission=5000"), Map.of());
        filter.configure(config(100, "submission=lots"), Map.of());
        assertEquals(5000, filter.maxMessageSize(on("submission")));
        filter.configure(config(-1), Map.of());
        assertEquals(100, filter.maxMessageSize(on("default")));
        filter.configure(config(100, "=5"), Map.of());
        assertEquals(5000, filter.maxMessageSize(on("submission")));
    }

    @Test
    void byDefaultTheListenersOwnLimitIsTheOnlyOne() {
        filter.configure(TypedConfig.of(SizeFilter.Config.class, Map.of()), Map.of());
        assertEquals(Long.MAX_VALUE, filter.maxMessageSize(on("default")), "the listener's maxMessageSize is the least");
    }

    @Test
    void aValueThatIsNotANumberKeepsTheLastGoodLimits() {
        filter.configure(TypedConfig.of(SizeFilter.Config.class, Map.of("maxMessageSize", "4000")), Map.of());
        filter.configure(TypedConfig.of(SizeFilter.Config.class, Map.of("maxMessageSize", "banana")), Map.of());
        assertEquals(4000, filter.maxMessageSize(on("default")));
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
