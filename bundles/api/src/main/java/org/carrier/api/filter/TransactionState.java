package org.carrier.api.filter;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What one filter keeps about one mail transaction (RFC 5321 §3.3), owned by the SMTP server: it makes a new one for
 * each filter at MAIL FROM, hands the same one to that filter's {@link SmtpFilter#mailFrom}, {@link SmtpFilter#rcptTo}
 * and {@link SmtpFilter#data} hooks of the transaction, and drops it when the transaction ends: at the end of the
 * data (queued or refused), RSET, a new EHLO/HELO, STARTTLS, QUIT or the connection's loss, and at once when MAIL
 * FROM itself is refused. Another filter's values are not visible, and nothing outlives the transaction: a filter
 * needs no map keyed by session, nor tricks such as "no recipient yet" to tell its first call from the next.
 * <p>
 * Values are keyed by their type. A value that is {@link AutoCloseable} is closed when the state is dropped, so a
 * filter can end what it started for the transaction (a milter's SMFIC_ABORT). The hooks of one transaction run one
 * after the other, never at once; the state is safe to use from whichever thread runs them.
 */
public final class TransactionState {
    private final Map<Class<?>, Object> values = new HashMap<>(4);
    private boolean ended;

    /** The value of this type, if the filter stored one in this transaction. */
    public synchronized <T> Optional<T> get(Class<T> type) {
        return Optional.ofNullable(type.cast(values.get(type)));
    }

    /** Stores {@code value} for the rest of the transaction, replacing any earlier value of its type. */
    public synchronized <T> void put(Class<T> type, T value) {
        requireOpen();
        values.put(type, type.cast(Objects.requireNonNull(value, "value")));
    }

    /** The value of this type; made by {@code create} at the first call of the transaction. */
    public synchronized <T> T computeIfAbsent(Class<T> type, Supplier<? extends T> create) {
        Object value = values.get(type);
        if (value == null) {
            requireOpen();
            value = Objects.requireNonNull(create.get(), "created value");
            values.put(type, value);
        }
        return type.cast(value);
    }

    /**
     * Drops every value, closing those that are {@link AutoCloseable}; called by the SMTP server when the transaction
     * ends. Later calls do nothing.
     *
     * @param failed told of each value whose {@code close} threw; the others are still closed
     */
    public void end(Consumer<Exception> failed) {
        Map<Class<?>, Object> dropped;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            dropped = Map.copyOf(values);
            values.clear();
        }
        for (Object value : dropped.values()) {
            if (value instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    failed.accept(e);
                }
            }
        }
    }

    /** Whether the transaction has ended and the state was dropped. */
    public synchronized boolean ended() {
        return ended;
    }

    private void requireOpen() {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
    }
}
