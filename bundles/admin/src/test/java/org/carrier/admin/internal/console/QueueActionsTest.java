package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.carrier.admin.internal.console.ConsolePage.Outcome;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.junit.jupiter.api.Test;

class QueueActionsTest {

    /** Records the calls; knows messages A and B only. */
    private static final class Recorder implements QueueOperations {
        final List<String> calls = new ArrayList<>();
        final Set<String> queued = Set.of("A", "B");

        private boolean call(String what, String id) {
            calls.add(what + " " + id);
            return queued.contains(id);
        }

        @Override public List<QueuedMessage> list(QueueFilter filter) { return List.of(); }
        @Override public Optional<QueuedMessage> show(String queueId) { return Optional.empty(); }
        @Override public boolean hold(String queueId) { return call("hold", queueId); }
        @Override public boolean release(String queueId) { return call("release", queueId); }
        @Override public boolean delete(String queueId) { return call("delete", queueId); }
        @Override public boolean retryNow(String queueId) { return call("retry", queueId); }
        @Override public int retryDomain(String domain) { calls.add("retry-domain " + domain); return 3; }
        @Override public int retryAll() { calls.add("retry-all"); return 1; }
        @Override public int reroute(QueueFilter filter) { return 0; }
    }

    @Test
    void eachSelectedMessageIsChangedAndTheMissingOnesAreNamed() {
        Recorder q = new Recorder();
        Outcome o = QueueActions.apply(q, "hold", List.of("A", "GONE", "B"), "");
        assertEquals(new Outcome(true, "2 messages held; not in the queue (any more): GONE"), o);
        assertEquals(List.of("hold A", "hold GONE", "hold B"), q.calls);
        assertEquals("1 message released", QueueActions.apply(q, "release", List.of("A"), "").message());
        assertEquals("1 message deleted", QueueActions.apply(q, "delete", List.of("B"), "").message());
        assertEquals("1 message to be retried now", QueueActions.apply(q, "retry", List.of("A"), "").message());
    }

    @Test
    void aDomainOrTheWholeQueueIsRetried() {
        Recorder q = new Recorder();
        assertEquals("3 messages with recipients at example.com to be retried now",
                QueueActions.apply(q, "retry-domain", List.of(), " example.com ").message());
        assertEquals("1 message not on hold to be retried now", QueueActions.apply(q, "retry-all", List.of(), "").message());
        assertEquals(List.of("retry-domain example.com", "retry-all"), q.calls);
    }

    @Test
    void unknownOrIncompleteActionsChangeNothing() {
        Recorder q = new Recorder();
        assertFalse(QueueActions.apply(q, "hold", List.of(), "").ok());
        assertFalse(QueueActions.apply(q, "retry-domain", List.of(), " ").ok());
        Outcome unknown = QueueActions.apply(q, "purge", List.of("A"), "");
        assertFalse(unknown.ok());
        assertTrue(unknown.message().contains("unknown action: purge"));
        assertTrue(q.calls.isEmpty(), q.calls.toString());
    }
}
