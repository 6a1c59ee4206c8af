package org.carrier.api.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Which queued messages an operation applies to. Every criterion that is set must hold; {@code null}
 * means "any". Build one from {@link #any()} with the {@code with...} methods, e.g.
 * {@code QueueFilter.any().withDomain("example.com").withMinAge(Duration.ofHours(1))}.
 *
 * @param state     at least one recipient is in this state
 * @param held      the message is (true) or is not (false) on hold
 * @param sender    text the reverse-path contains (case-insensitive); {@code ""} matches only the null reverse-path
 * @param recipient text one recipient's address contains (case-insensitive)
 * @param domain    a recipient still waiting (not delivered, not failed) has exactly this domain
 * @param minAge    the message has been queued at least this long
 * @param maxAge    the message has been queued at most this long
 * @param limit     at most this many messages are returned (oldest first); 0 means no limit
 */
public record QueueFilter(DeliveryState state, Boolean held, String sender, String recipient, String domain,
                          Duration minAge, Duration maxAge, int limit) {
    private static final QueueFilter ANY = new QueueFilter(null, null, null, null, null, null, null, 0);

    public QueueFilter {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        domain = domain == null ? null : domain.toLowerCase(Locale.ROOT);
    }

    /** A filter that matches every message. */
    public static QueueFilter any() {
        return ANY;
    }

    public QueueFilter withState(DeliveryState value) {
        return new QueueFilter(value, held, sender, recipient, domain, minAge, maxAge, limit);
    }

    public QueueFilter withHeld(Boolean value) {
        return new QueueFilter(state, value, sender, recipient, domain, minAge, maxAge, limit);
    }

    public QueueFilter withSender(String value) {
        return new QueueFilter(state, held, value, recipient, domain, minAge, maxAge, limit);
    }

    public QueueFilter withRecipient(String value) {
        return new QueueFilter(state, held, sender, value, domain, minAge, maxAge, limit);
    }

    public QueueFilter withDomain(String value) {
        return new QueueFilter(state, held, sender, recipient, value, minAge, maxAge, limit);
    }

    public QueueFilter withMinAge(Duration value) {
        return new QueueFilter(state, held, sender, recipient, domain, value, maxAge, limit);
    }

    public QueueFilter withMaxAge(Duration value) {
        return new QueueFilter(state, held, sender, recipient, domain, minAge, value, limit);
    }

    public QueueFilter withLimit(int value) {
        return new QueueFilter(state, held, sender, recipient, domain, minAge, maxAge, value);
    }

    /** Whether {@code message} matches at the time {@code now}. */
    public boolean matches(QueuedMessage message, Instant now) {
        Duration age = Duration.between(message.arrival(), now);
        return (state == null || message.recipients().stream().anyMatch(r -> r.state() == state))
                && (held == null || held == message.held())
                && (sender == null || matchesSender(message.envelope().reversePath().toString()))
                && (recipient == null || message.recipients().stream()
                        .anyMatch(r -> contains(r.recipient().address().toString(), recipient)))
                && (domain == null || message.recipients().stream()
                        .anyMatch(r -> !r.state().isFinal() && r.recipient().address().domain().equals(domain)))
                && (minAge == null || age.compareTo(minAge) >= 0)
                && (maxAge == null || age.compareTo(maxAge) <= 0);
    }

    private boolean matchesSender(String reversePath) {
        return sender.isEmpty() ? reversePath.isEmpty() : contains(reversePath, sender);
    }

    private static boolean contains(String text, String part) {
        return text.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
    }
}
