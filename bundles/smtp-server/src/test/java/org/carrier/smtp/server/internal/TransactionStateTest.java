package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.junit.jupiter.api.Test;

/**
 * The per-transaction filter state the server owns: made at MAIL FROM, the same one at each RCPT and at DATA, and
 * dropped when the transaction ends, so nothing a filter keeps leaks into the next transaction of the session.
 */
class TransactionStateTest {
    /** What the recording filter keeps for one transaction: the recipients it saw; closed when the state is dropped. */
    private static final class Seen implements AutoCloseable {
        final List<String> recipients = new ArrayList<>();
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Records, per call, the state it was given and what that state already held. */
    private static final class Recorder implements SmtpFilter {
        final List<TransactionState> states = new ArrayList<>();
        final List<Seen> kept = new ArrayList<>();
        final List<String> atData = new ArrayList<>();
        final List<String> queueIds = new ArrayList<>();
        String refuseSender = "";

        @Override
        public Set<FilterStage> stages() {
            return Set.of(FilterStage.MAIL, FilterStage.RCPT, FilterStage.DATA);
        }

        @Override
        public FilterResult mailFrom(SessionInfo session, Envelope envelope, TransactionState state) {
            states.add(state);
            assertTrue(state.get(Seen.class).isEmpty(), "a new transaction starts with an empty state");
            Seen seen = new Seen();
            kept.add(seen);
            state.put(Seen.class, seen);
            return envelope.reversePath().toString().equals(refuseSender) ? FilterResult.reject(550, "5.7.1", "no") : FilterResult.proceed();
        }

        @Override
        public FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient, TransactionState state) {
            states.add(state);
            state.get(Seen.class).orElseThrow().recipients.add(recipient.address().toString());
            return FilterResult.proceed();
        }

        @Override
        public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState state) {
            states.add(state);
            atData.add(String.join(",", state.get(Seen.class).orElseThrow().recipients));
            queueIds.add(message.queueId());
            return FilterResult.proceed();
        }
    }

    private final Recorder recorder = new Recorder();
    private final ProtocolDriver d = driver(recorder);

    private static ProtocolDriver driver(Recorder recorder) {
        TestServices services = new TestServices();
        services.filters.add(new FilterChain.Named("recorder", recorder));
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("trustedNetworks", "10.0.0.0/8"), "192.0.2.7", services);
        d.send("EHLO client.test");
        return d;
    }

    @Test
    void oneStateServesEveryStageOfATransactionAndTheNextTransactionGetsAFreshOne() {
        d.send("MAIL FROM:<s@c.test>");
        d.send("RCPT TO:<a@localhost>");
        d.send("RCPT TO:<b@localhost>");
        d.send("DATA");
        String queued = d.content("Subject: one\r\n\r\nx\r\n.\r\n");
        assertTrue(queued.startsWith("250 2.0.0 Ok: queued as "), queued);
        d.send("MAIL FROM:<s@c.test>");
        d.send("RCPT TO:<c@localhost>");
        d.send("DATA");
        d.content("Subject: two\r\n\r\ny\r\n.\r\n");
        List<TransactionState> s = recorder.states;
        assertEquals(7, s.size());
        assertSame(s.get(0), s.get(1));
        assertSame(s.get(0), s.get(2));
        assertSame(s.get(0), s.get(3), "DATA sees the state MAIL made");
        assertNotSame(s.get(0), s.get(4), "the second transaction has its own");
        assertEquals(List.of("a@localhost,b@localhost", "c@localhost"), recorder.atData, "nothing leaks from the first transaction");
        assertTrue(s.get(0).ended() && recorder.kept.get(0).closed, "dropped at the end of the data");
        assertEquals(queued.substring("250 2.0.0 Ok: queued as ".length()), recorder.queueIds.get(0), "the data stage knows the queue ID");
    }

    @Test
    void rsetDropsTheState() {
        d.send("MAIL FROM:<s@c.test>");
        d.send("RCPT TO:<a@localhost>");
        TransactionState first = recorder.states.get(0);
        assertEquals("250 2.0.0 Ok", d.send("RSET"));
        assertTrue(first.ended(), "RSET ends the transaction and drops its state");
        assertTrue(recorder.kept.get(0).closed, "what the state held is closed");
        assertTrue(first.get(Seen.class).isEmpty());
        d.send("MAIL FROM:<s@c.test>");
        d.send("RCPT TO:<b@localhost>");
        d.send("DATA");
        d.content("Subject: after rset\r\n\r\nx\r\n.\r\n");
        assertEquals(List.of("b@localhost"), recorder.atData);
    }

    @Test
    void aNewEhloARefusedMailAndTheConnectionsLossDropTheStateToo() {
        d.send("MAIL FROM:<s@c.test>");
        d.send("EHLO again.test");
        assertTrue(recorder.kept.get(0).closed, "a new EHLO resets the transaction (RFC 5321 §4.1.4)");
        recorder.refuseSender = "refused@c.test";
        assertTrue(d.send("MAIL FROM:<refused@c.test>").startsWith("550"));
        assertTrue(recorder.kept.get(1).closed, "a refused MAIL FROM begins no transaction");
        d.send("MAIL FROM:<s@c.test>");
        d.protocol.close();
        assertTrue(recorder.kept.get(2).closed, "the connection's loss ends the transaction");
    }
}
