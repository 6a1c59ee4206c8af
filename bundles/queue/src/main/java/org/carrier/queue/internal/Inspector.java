package org.carrier.queue.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueuedMessage;

/** Inspecting: what is queued, read one message at a time from the spool, or from the attempt that holds it. */
final class Inspector {
    private final Spool spool;
    private final Claims claims;
    private final Clock clock;

    Inspector(Spool spool, Claims claims, Clock clock) {
        this.spool = spool;
        this.claims = claims;
        this.clock = clock;
    }

    /** @see org.carrier.api.queue.QueueOperations#list */
    List<QueuedMessage> list(QueueFilter filter) {
        Instant now = clock.instant();
        List<QueuedMessage> found = new ArrayList<>();
        try {
            for (String id : spool.queuedIds()) { // oldest first
                show(id).filter(message -> filter.matches(message, now)
                        && (filter.limit() == 0 || found.size() < filter.limit())).ifPresent(found::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the spool: " + e.getMessage(), e);
        }
        return found;
    }

    /**
     * Each queued message {@code filter} matches (up to its limit), read and handed over one at a time in the spool
     * directory's order: neither the messages nor their IDs are collected first, so acting on a million queued
     * messages needs the memory of one.
     */
    void forEach(QueueFilter filter, Consumer<QueuedMessage> action) {
        Instant now = clock.instant();
        int[] matched = {0};
        try {
            spool.eachQueuedId(id -> {
                if (filter.limit() != 0 && matched[0] >= filter.limit()) {
                    return false;
                }
                show(id).filter(message -> filter.matches(message, now)).ifPresent(message -> {
                    matched[0]++;
                    action.accept(message);
                });
                return true;
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the spool: " + e.getMessage(), e);
        }
    }

    /** @see org.carrier.api.queue.QueueOperations#show */
    Optional<QueuedMessage> show(String queueId) {
        return entry(queueId).map(QueueEntry::snapshot);
    }

    /** @see org.carrier.api.queue.QueueOperations#headerSection */
    Optional<String> headerSection(String queueId, int maxBytes) {
        Optional<QueueEntry> entry = entry(queueId);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = new BufferedInputStream(spool.source(entry.get()).open())) {
            return Optional.of(new String(Spool.headerSection(in, maxBytes).fields(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty(); // delivered and removed meanwhile
        }
    }

    private Optional<QueueEntry> entry(String queueId) {
        Optional<QueueEntry> busy = claims.active(queueId);
        return busy.isPresent() ? busy : spool.peek(queueId);
    }
}
