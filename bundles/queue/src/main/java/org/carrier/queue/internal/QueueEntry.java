package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;

/**
 * A queued message in memory: its envelope, the header fields to prepend, and the state of each
 * recipient. Changes go through its methods; {@link #snapshot()} gives the immutable view.
 */
final class QueueEntry {
    private final String id;
    private final Instant arrival;
    private final Envelope envelope;
    private final List<HeaderField> prependedHeaders;
    private final long size;
    private volatile boolean held;
    private volatile boolean deleted;
    private volatile boolean delayNotified;
    /** Whether {@code ID.env} exists: read from it, or written since arrival. */
    private volatile boolean stateFileWritten;
    /** The spool file as its reception left it open, for the first delivery attempt to read; else null. */
    private volatile FileChannel openContent;
    /** The Received fields of the content, counted at the first attempt (-1: not yet); the content never changes. */
    private volatile int hops = -1;
    private final List<RecipientStatus> recipients;

    QueueEntry(String id, Instant arrival, Envelope envelope, List<HeaderField> prependedHeaders, long size,
               boolean held, List<RecipientStatus> recipients) {
        this.id = id;
        this.arrival = arrival;
        this.envelope = envelope;
        this.prependedHeaders = List.copyOf(prependedHeaders);
        this.size = size;
        this.held = held;
        this.recipients = new ArrayList<>(recipients);
    }

    /** A new message: every recipient pending. */
    static QueueEntry arrived(String id, Instant arrival, Envelope envelope, List<HeaderField> headers, long size, boolean held) {
        List<RecipientStatus> pending = envelope.recipients().stream()
                .map(r -> new RecipientStatus(r, DeliveryState.PENDING, 0, null, null, null)).toList();
        return new QueueEntry(id, arrival, envelope, headers, size, held, pending);
    }

    String id() {
        return id;
    }

    /** The number of Received fields counted before, or -1. */
    int hops() {
        return hops;
    }

    void hops(int count) {
        hops = count;
    }

    boolean stateFileWritten() {
        return stateFileWritten;
    }

    void stateFileWritten(boolean value) {
        stateFileWritten = value;
    }

    /** The content file still open from reception (saves the first attempt opening it again), or null. */
    FileChannel openContent() {
        return openContent;
    }

    void keepContentOpen(FileChannel channel) {
        openContent = channel;
    }

    /** Closes the content file kept open from reception, if any: after the first attempt, or when it is not attempted at once. */
    void closeContent() {
        FileChannel channel = openContent;
        openContent = null;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // read-only use from here on: nothing to lose
            }
        }
    }

    Instant arrival() {
        return arrival;
    }

    Envelope envelope() {
        return envelope;
    }

    List<HeaderField> prependedHeaders() {
        return prependedHeaders;
    }

    long size() {
        return size;
    }

    boolean held() {
        return held;
    }

    void hold(boolean value) {
        held = value;
    }

    /** Deleted by an operator: nothing more is done, and its files go at the next write. */
    boolean deleted() {
        return deleted;
    }

    void delete() {
        deleted = true;
    }

    /** Whether the delay DSN (RFC 3461 §4.1 NOTIFY=DELAY) went out already; it is sent once. */
    boolean delayNotified() {
        return delayNotified;
    }

    void markDelayNotified() {
        delayNotified = true;
    }

    synchronized List<RecipientStatus> recipients() {
        return List.copyOf(recipients);
    }

    /** Recipients whose turn it is: pending, or deferred with their next attempt due. */
    synchronized List<Recipient> due(Instant now) {
        return recipients.stream()
                .filter(s -> s.state() == DeliveryState.PENDING
                        || (s.state() == DeliveryState.DEFERRED && !s.nextAttempt().isAfter(now)))
                .map(RecipientStatus::recipient).toList();
    }

    synchronized void record(Recipient recipient, DeliveryState state, Instant nextAttempt, SmtpReply reply, String remote) {
        for (int i = 0; i < recipients.size(); i++) {
            RecipientStatus s = recipients.get(i);
            if (s.recipient().equals(recipient) && !s.state().isFinal()) {
                recipients.set(i, new RecipientStatus(recipient, state, s.attempts() + 1, nextAttempt, reply, remote));
                return;
            }
        }
    }

    synchronized int attempts(Recipient recipient) {
        return recipients.stream().filter(s -> s.recipient().equals(recipient)).mapToInt(RecipientStatus::attempts).findFirst().orElse(0);
    }

    synchronized boolean allFinal() {
        return recipients.stream().allMatch(s -> s.state().isFinal());
    }

    /** When the next deferred recipient is due, if any recipient is still waiting. */
    synchronized Optional<Instant> nextAttempt() {
        return recipients.stream().filter(s -> !s.state().isFinal())
                .map(s -> s.state() == DeliveryState.PENDING ? Instant.MIN : s.nextAttempt())
                .min(Instant::compareTo);
    }

    /** When the next attempt is due, in epoch milliseconds for the schedule (0: at once), or -1 if none. */
    long dueMillis() {
        return nextAttempt().map(at -> at == Instant.MIN ? 0L : at.toEpochMilli()).orElse(-1L);
    }

    /**
     * Makes the waiting recipients that {@code which} selects due at {@code now} (retry now, re-route).
     *
     * @return whether any recipient was selected
     */
    synchronized boolean makeDue(Instant now, Predicate<Recipient> which) {
        boolean any = false;
        for (int i = 0; i < recipients.size(); i++) {
            RecipientStatus s = recipients.get(i);
            if (!s.state().isFinal() && which.test(s.recipient())) {
                any = true;
                if (s.state() == DeliveryState.DEFERRED) {
                    recipients.set(i, new RecipientStatus(s.recipient(), s.state(), s.attempts(), now, s.lastReply(), s.lastRemote()));
                }
            }
        }
        return any;
    }

    QueuedMessage snapshot() {
        return new QueuedMessage(id, arrival, envelope, size, held, recipients());
    }
}
