package org.carrier.filter.milter.internal;

import org.carrier.api.filter.FilterResult;

/**
 * What the filter does with a transaction its milter could not judge (unreachable, too slow, or an answer the
 * protocol does not allow): Postfix's {@code milter_default_action}, with its replies.
 */
public enum DefaultAction {
    /** {@code 451 4.7.1}: the client keeps the message and retries; nothing is lost (the default). */
    TEMPFAIL,
    /** Go on as if the milter had accepted: mail flows unscanned while the milter is down. */
    ACCEPT,
    /** {@code 550 5.7.1}: refuse what could not be scanned. */
    REJECT;

    FilterResult result() {
        return switch (this) {
            case TEMPFAIL -> Replies.TEMPFAIL;
            case ACCEPT -> FilterResult.proceed();
            case REJECT -> Replies.REJECT;
        };
    }

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
