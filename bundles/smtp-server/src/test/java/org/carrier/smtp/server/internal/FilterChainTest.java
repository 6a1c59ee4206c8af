package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FilterChainTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final SessionInfo session = new SessionInfo("S1", "test", new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 25),
            null, false, null, null, false);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aFilterOverItsTimeBudgetFailsSafe() {
        SmtpFilter slow = new SmtpFilter() {
            @Override
            public FilterResult connect(SessionInfo s) {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return FilterResult.accept();
            }
        };
        FilterChain chain = new FilterChain(List.of(new FilterChain.Named("slowpoke", slow)), pool, 100);
        long start = System.nanoTime();
        FilterChain.Verdict v = chain.run("S1", FilterChain.Stage.CONNECT, f -> f.connect(session));
        assertEquals("451 4.3.0 Temporary filter failure", v.refusal().toString());
        assertEquals("slowpoke", v.decidedBy());
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "the session did not wait for the filter");
    }

    @Test
    void aFilterWithinItsBudgetDecides() {
        SmtpFilter quick = new SmtpFilter() {
            @Override
            public FilterResult connect(SessionInfo s) {
                return FilterResult.proceed().withHeader("X-Checked", "yes");
            }
        };
        FilterChain.Verdict v = new FilterChain(List.of(new FilterChain.Named("quick", quick)), pool, 1_000).run("S1", FilterChain.Stage.CONNECT, f -> f.connect(session));
        assertNull(v.refusal());
        assertEquals("X-Checked: yes", v.headers().get(0).toString());
    }

    @Test
    void aFilterThatThrowsFailsSafe() {
        SmtpFilter broken = new SmtpFilter() {
            @Override
            public FilterResult connect(SessionInfo s) {
                throw new IllegalStateException("bug");
            }
        };
        FilterChain.Verdict v = new FilterChain(List.of(new FilterChain.Named("broken", broken)), pool, 1_000).run("S1", FilterChain.Stage.CONNECT, f -> f.connect(session));
        assertEquals(451, v.refusal().code());
        assertEquals("broken", v.decidedBy());
    }

    /** A filter with a RCPT hook only, and a subclass of it that adds nothing. */
    private static class RcptOnly implements SmtpFilter {
        @Override
        public FilterResult rcptTo(SessionInfo s, Envelope e, Recipient r) {
            return FilterResult.reject(550, "5.7.1", "no");
        }
    }

    private static final class RcptOnlyToo extends RcptOnly {
    }

    @Test
    void onlyTheStagesAFilterHooksAreRunAndCountAsHooked() {
        FilterChain sizeOnly = new FilterChain(List.of(new FilterChain.Named("size", new SmtpFilter() {
            @Override
            public long maxMessageSize(SessionInfo s) {
                return 10;
            }
        })), pool, 1_000);
        for (FilterChain.Stage stage : FilterChain.Stage.values()) {
            assertFalse(sizeOnly.hooks(stage), stage.toString());
        }
        FilterChain rcpt = new FilterChain(List.of(new FilterChain.Named("inherited", new RcptOnlyToo())), pool, 1_000);
        assertTrue(rcpt.hooks(FilterChain.Stage.RCPT));
        assertFalse(rcpt.hooks(FilterChain.Stage.MAIL));
        AtomicInteger calls = new AtomicInteger();
        assertNull(rcpt.run("S1", FilterChain.Stage.MAIL, f -> {
            calls.incrementAndGet();
            return f.mailFrom(session, null);
        }).refusal());
        assertEquals(0, calls.get(), "a stage without a hook is not called at all");
        assertEquals(550, rcpt.run("S1", FilterChain.Stage.RCPT, f -> f.rcptTo(session, null, null)).refusal().code());
    }
}
