package org.carrier.admin.internal.shell;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;

/** An in-memory queue: the commands' job is to call the operations and show their answers, tested here without disks. */
final class FakeQueue implements QueueOperations {
    final Map<String, QueuedMessage> messages = new LinkedHashMap<>();
    final List<String> retried = new ArrayList<>();
    private final Instant now;

    FakeQueue(Instant now, QueuedMessage... queued) {
        this.now = now;
        for (QueuedMessage message : queued) {
            messages.put(message.queueId(), message);
        }
    }

    @Override
    public List<QueuedMessage> list(QueueFilter filter) {
        return messages.values().stream().filter(m -> filter.matches(m, now)).toList();
    }

    @Override
    public Optional<QueuedMessage> show(String queueId) {
        return Optional.ofNullable(messages.get(queueId));
    }

    @Override
    public Optional<String> headerSection(String queueId, int maxBytes) {
        return show(queueId).map(m -> "Received: from client.test\r\n\tby localhost\r\nSubject: hello " + m.queueId() + "\r\n");
    }

    @Override
    public boolean hold(String queueId) {
        return setHeld(queueId, true);
    }

    @Override
    public boolean release(String queueId) {
        return setHeld(queueId, false);
    }

    private boolean setHeld(String queueId, boolean held) {
        QueuedMessage m = messages.get(queueId);
        if (m == null) {
            return false;
        }
        messages.put(queueId, new QueuedMessage(m.queueId(), m.arrival(), m.envelope(), m.size(), held, m.recipients()));
        return true;
    }

    @Override
    public boolean delete(String queueId) {
        return messages.remove(queueId) != null;
    }

    @Override
    public boolean retryNow(String queueId) {
        return messages.containsKey(queueId);
    }

    @Override
    public int retryDomain(String domain) {
        retried.add(domain);
        return (int) messages.values().stream().filter(m -> m.recipients().stream()
                .anyMatch(r -> r.recipient().address().domain().equals(domain))).count();
    }

    @Override
    public int retryAll() {
        retried.add("*");
        return messages.size();
    }

    @Override
    public int reroute(QueueFilter filter) {
        return 0;
    }
}
