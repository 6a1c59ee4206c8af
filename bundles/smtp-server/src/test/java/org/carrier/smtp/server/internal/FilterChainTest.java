package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
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
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.CONNECT);
            }

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
        FilterChain.Verdict v = chain.run("S1", FilterStage.CONNECT, f -> f.connect(session));
        assertEquals("451 4.3.0 Temporary filter failure", v.refusal().toString());
        assertEquals("slowpoke", v.decidedBy());
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "the session did not wait for the filter");
    }

    @Test
    void aFilterWithinItsBudgetDecides() {
        SmtpFilter quick = new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.CONNECT);
            }

            @Override
            public FilterResult connect(SessionInfo s) {
                return FilterResult.proceed().withHeader("X-Checked", "yes");
            }
        };
        FilterChain.Verdict v = new FilterChain(List.of(new FilterChain.Named("quick", quick)), pool, 1_000).run("S1", FilterStage.CONNECT, f -> f.connect(session));
        assertNull(v.refusal());
        assertEquals("X-Checked: yes", v.headers().get(0).toString());
    }

    @Test
    void aFilterThatThrowsFailsSafe() {
        SmtpFilter broken = new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.CONNECT);
            }

            @Override
            public FilterResult connect(SessionInfo s) {
                throw new IllegalStateException("bug");
            }
        };
        FilterChain.Verdict v = new FilterChain(List.of(new FilterChain.Named("broken", broken)), pool, 1_000).run("S1", FilterStage.CONNECT, f -> f.connect(session));
        assertEquals(451, v.refusal().code());
        assertEquals("broken", v.decidedBy());
    }

    /** A filter that declares the RCPT stage only, though it has a MAIL hook too. */
    private static final class RcptOnly implements SmtpFilter {
        final AtomicInteger mailCalls = new AtomicInteger();

        @Override
        public Set<FilterStage> stages() {
            return Set.of(FilterStage.RCPT);
        }

        @Override
        public FilterResult mailFrom(SessionInfo s, Envelope e, TransactionState state) {
            mailCalls.incrementAndGet();
            return FilterResult.reject(550, "5.7.1", "not declared");
        }

        @Override
        public FilterResult rcptTo(SessionInfo s, Envelope e, Recipient r, TransactionState state) {
            return FilterResult.reject(550, "5.7.1", "no");
        }
    }

    @Test
    void onlyTheStagesAFilterDeclaresAreRunAndCountAsHooked() {
        FilterChain sizeOnly = new FilterChain(List.of(new FilterChain.Named("size", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of();
            }

            @Override
            public long maxMessageSize(SessionInfo s) {
                return 10;
            }
        })), pool, 1_000);
        for (FilterStage stage : FilterStage.values()) {
            assertFalse(sizeOnly.hooks(stage), stage.toString());
        }
        RcptOnly filter = new RcptOnly();
        FilterChain rcpt = new FilterChain(List.of(new FilterChain.Named("rcpt", filter)), pool, 1_000);
        assertTrue(rcpt.hooks(FilterStage.RCPT));
        assertFalse(rcpt.hooks(FilterStage.MAIL));
        FilterChain.States states = rcpt.newStates();
        assertNull(rcpt.run("S1", FilterStage.MAIL, states, (f, state) -> f.mailFrom(session, null, state)).refusal());
        assertEquals(0, filter.mailCalls.get(), "a stage the filter does not declare is not called at all");
        assertEquals(550, rcpt.run("S1", FilterStage.RCPT, states, (f, state) -> f.rcptTo(session, null, null, state)).refusal().code());
    }

    /** A filter whose stages change, as a milter's do after option negotiation: each snapshot asks again. */
    @Test
    void eachSnapshotAsksTheStagesAnew() {
        AtomicReference<Set<FilterStage>> declared = new AtomicReference<>(Set.of(FilterStage.RCPT));
        FilterChain chain = new FilterChain(List.of(new FilterChain.Named("changing", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return declared.get();
            }
        })), pool, 1_000);
        declared.set(Set.of(FilterStage.DATA));
        assertTrue(chain.hooks(FilterStage.RCPT), "a snapshot keeps what it was told");
        FilterChain next = chain.snapshot();
        assertFalse(next.hooks(FilterStage.RCPT));
        assertTrue(next.hooks(FilterStage.DATA));
    }

    @Test
    void aFilterThatCannotNameItsStagesIsCalledAtEveryStage() {
        FilterChain chain = new FilterChain(List.of(new FilterChain.Named("confused", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                throw new IllegalStateException("bug");
            }

            @Override
            public FilterResult connect(SessionInfo s) {
                return FilterResult.reject(554, "5.7.1", "called");
            }
        })), pool, 1_000);
        assertEquals(554, chain.run("S1", FilterStage.CONNECT, f -> f.connect(session)).refusal().code());
    }

    @Test
    void eachFilterHasItsOwnStateAndEndingClosesWhatItHolds() {
        List<TransactionState> seen = new ArrayList<>();
        SmtpFilter recorder = new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.MAIL);
            }

            @Override
            public FilterResult mailFrom(SessionInfo s, Envelope e, TransactionState state) {
                seen.add(state);
                return FilterResult.proceed();
            }
        };
        FilterChain chain = new FilterChain(List.of(new FilterChain.Named("a", recorder), new FilterChain.Named("b", recorder)));
        FilterChain.States states = chain.newStates();
        chain.run("S1", FilterStage.MAIL, states, (f, state) -> f.mailFrom(session, null, state));
        assertEquals(2, seen.size());
        assertNotSame(seen.get(0), seen.get(1), "one state per filter: a filter never sees another's values");
        AtomicInteger closed = new AtomicInteger();
        seen.get(0).put(AutoCloseable.class, closed::incrementAndGet);
        seen.get(1).put(AutoCloseable.class, () -> {
            throw new IllegalStateException("close failed");
        });
        states.end("S1");
        assertEquals(1, closed.get(), "a value that fails to close does not keep the others open");
        assertTrue(seen.get(0).ended() && seen.get(1).ended());
        assertEquals(Optional.empty(), seen.get(0).get(AutoCloseable.class));
        states.end("S1");
        assertEquals(1, closed.get(), "ending twice closes once");
    }
}
