package org.carrier.admin.internal.console;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

import org.carrier.admin.internal.overview.Ages;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;

/**
 * The Queue page's filter, from the request's parameters: {@code state} (pending, deferred, delivered, failed),
 * {@code held} (yes, no), {@code sender}, {@code recipient}, {@code domain}, {@code minAge} and {@code maxAge}
 * (e.g. {@code 90s}, {@code 10m}, {@code 2h}, {@code 3d}; a bare number is minutes) and {@code limit}. A bad value
 * is an {@link IllegalArgumentException} naming the parameter.
 */
public final class QueueQuery {
    static final int DEFAULT_LIMIT = 500;

    private QueueQuery() {
    }

    public static QueueFilter filter(Function<String, String> params) {
        QueueFilter filter = QueueFilter.any().withLimit(limit(value(params, "limit")));
        String state = value(params, "state");
        if (!state.isEmpty()) {
            try {
                filter = filter.withState(DeliveryState.valueOf(state.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("state: one of pending, deferred, delivered, failed: " + state);
            }
        }
        String held = value(params, "held").toLowerCase(Locale.ROOT);
        if (!held.isEmpty()) {
            if (!held.equals("yes") && !held.equals("no")) {
                throw new IllegalArgumentException("held: yes or no: " + held);
            }
            filter = filter.withHeld(held.equals("yes"));
        }
        String sender = value(params, "sender");
        filter = sender.isEmpty() ? filter : filter.withSender(sender.equals("<>") ? "" : sender);
        String recipient = value(params, "recipient");
        filter = recipient.isEmpty() ? filter : filter.withRecipient(recipient);
        String domain = value(params, "domain");
        filter = domain.isEmpty() ? filter : filter.withDomain(domain);
        Duration minAge = age(value(params, "minAge"), "minAge");
        Duration maxAge = age(value(params, "maxAge"), "maxAge");
        return filter.withMinAge(minAge).withMaxAge(maxAge);
    }

    /** An age such as {@code 90s}, {@code 10m}, {@code 2h} or {@code 3d}; a bare number is minutes; empty: null. */
    static Duration age(String text, String field) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return Ages.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    private static int limit(String text) {
        if (text.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= 10_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("limit: from 1 to 10000: " + text);
    }

    private static String value(Function<String, String> params, String name) {
        String v = params.apply(name);
        return v == null ? "" : v.trim();
    }
}
