package org.carrier.admin.internal.console;

import java.util.List;
import java.util.function.Predicate;

import org.carrier.admin.internal.console.ConsolePage.Outcome;
import org.carrier.api.queue.QueueOperations;

/**
 * The Queue page's actions, like Postfix's {@code postsuper -h / -H / -d} and {@code postqueue -i / -s / -f}: hold,
 * release, delete and retry now for the messages picked by ID, retry now for a domain, and retry now for all.
 */
final class QueueActions {
    private QueueActions() {
    }

    /**
     * Carries out {@code action} on {@code ids} (hold, release, delete, retry), on {@code domain} (retry-domain) or on
     * the whole queue (retry-all). Refused, changing nothing, when the action is unknown or what it needs is missing.
     */
    static Outcome apply(QueueOperations queue, String action, List<String> ids, String domain) {
        return switch (action) {
            case "hold" -> each(ids, queue::hold, "held");
            case "release" -> each(ids, queue::release, "released");
            case "delete" -> each(ids, queue::delete, "deleted");
            case "retry" -> each(ids, queue::retryNow, "to be retried now");
            case "retry-domain" -> domain.isBlank() ? Outcome.refused("retry a domain: which domain?")
                    : Outcome.done(count(queue.retryDomain(domain.trim())) + " with recipients at " + domain.trim() + " to be retried now");
            case "retry-all" -> Outcome.done(count(queue.retryAll()) + " not on hold to be retried now");
            default -> Outcome.refused("unknown action: " + action);
        };
    }

    private static Outcome each(List<String> ids, Predicate<String> change, String done) {
        if (ids.isEmpty()) {
            return Outcome.refused("no message selected");
        }
        List<String> gone = ids.stream().filter(id -> !change.test(id)).toList();
        int changed = ids.size() - gone.size();
        return Outcome.done(count(changed) + " " + done
                + (gone.isEmpty() ? "" : "; not in the queue (any more): " + String.join(", ", gone)));
    }

    private static String count(int messages) {
        return messages == 1 ? "1 message" : messages + " messages";
    }
}
