package org.carrier.admin.internal.shell;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import org.carrier.admin.internal.overview.QueueSummary;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The queue commands of the Gogo shell, Postfix's {@code mailq}, {@code postqueue -f}, {@code postqueue -i} and {@code postsuper -h/-H/-d}
 * in one place: {@code carrier:queue}, {@code carrier:show}, {@code carrier:hold}, {@code carrier:release},
 * {@code carrier:delete}, {@code carrier:retry}, {@code carrier:flush}. Each returns its text; a failure (an unknown ID, a bad option) is a
 * {@link CommandFailure} with a message, after the part that succeeded has been printed.
 */
@Component(service = QueueCommands.class, property = {
        "osgi.command.scope=carrier",
        "osgi.command.function=queue", "osgi.command.function=show", "osgi.command.function=hold",
        "osgi.command.function=release", "osgi.command.function=delete", "osgi.command.function=flush",
        "osgi.command.function=retry"})
public class QueueCommands {
    /** How much of a message's header section {@code carrier:show} prints at most (as the console's queue page). */
    private static final int HEADER_BYTES = 64 * 1024;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile QueueOperations queue;
    private final QueueListing listing;

    public QueueCommands() {
        this(null, Clock.systemDefaultZone());
    }

    QueueCommands(QueueOperations queue, Clock clock) {
        this.queue = queue;
        this.listing = new QueueListing(clock.getZone(), clock);
    }

    /** The queue like mailq; options filter it (see {@link QueueListOptions}). */
    public String queue(String... options) {
        if (options.length == 1 && (options[0].equals("--help") || options[0].equals("-h"))) {
            return QueueListOptions.USAGE;
        }
        List<String> filters = new ArrayList<>(List.of(options));
        boolean summary = filters.remove("--summary");
        List<QueuedMessage> messages = queue().list(QueueListOptions.parse(filters.toArray(String[]::new)));
        return summary ? QueueListing.summary(QueueSummary.of(messages)) : listing.list(messages);
    }

    /** One message: envelope, each recipient's state, attempts, next try and last reply. */
    public String show(String id) {
        String queueId = normalized(id);
        return queue().show(queueId).map(m -> listing.show(m, queue().headerSection(queueId, HEADER_BYTES)))
                .orElseThrow(() -> new CommandFailure(unknown(queueId)));
    }

    /** Puts messages on hold (Postfix: postsuper -h). */
    public String hold(String... ids) {
        return each("held", ids, queue()::hold);
    }

    /** Releases held messages; they are tried at once (postsuper -H). */
    public String release(String... ids) {
        return each("released", ids, queue()::release);
    }

    /** Deletes messages without delivery and without a DSN (postsuper -d). */
    public String delete(String... ids) {
        return each("deleted", ids, queue()::delete);
    }

    /** Tries the waiting recipients of these messages now, whatever their backoff says (postqueue -i). */
    public String retry(String... ids) {
        return each("scheduled for delivery now", ids, queue()::retryNow);
    }

    /** Tries now every waiting message not on hold, or those with recipients at {@code domain} (postqueue -f / -s). */
    public String flush(String... domain) {
        if (domain.length > 1 || domain.length == 1 && (domain[0] == null || domain[0].isBlank())) {
            throw new CommandFailure("usage: carrier:flush [DOMAIN]");
        }
        int count = domain.length == 0 ? queue().retryAll() : queue().retryDomain(domain[0].toLowerCase(Locale.ROOT));
        return count + (count == 1 ? " message" : " messages") + " scheduled for delivery now"
                + (domain.length == 0 ? "" : " (recipients at " + domain[0].toLowerCase(Locale.ROOT) + ")");
    }

    /**
     * Applies {@code action} to each ID; prints what was done, and fails with the IDs that are not in the queue, so that
     * a script sees a non-zero status while the known IDs are still handled.
     */
    private static String each(String done, String[] ids, Predicate<String> action) {
        if (ids.length == 0) {
            throw new CommandFailure("give one or more queue IDs (carrier:queue lists them)");
        }
        StringBuilder out = new StringBuilder();
        List<String> unknown = new ArrayList<>();
        for (String raw : ids) {
            String id = normalized(raw);
            if (action.test(id)) {
                out.append(id).append(": ").append(done).append('\n');
            } else {
                unknown.add(unknown(id));
            }
        }
        String text = out.toString().stripTrailing();
        if (!unknown.isEmpty()) {
            if (!text.isEmpty()) {
                System.out.println(text); // the shell's session output: the part that succeeded is not lost
            }
            throw new CommandFailure(String.join("\n", unknown));
        }
        return text;
    }

    private QueueOperations queue() {
        QueueOperations current = queue;
        if (current == null) {
            throw new CommandFailure("the queue is not running (bundle org.carrier.queue)");
        }
        return current;
    }

    /** Queue IDs are upper case; people type them as they like. */
    private static String normalized(String id) {
        if (id == null || id.isBlank()) {
            throw new CommandFailure("an empty queue ID (an unset shell variable?)");
        }
        return id.trim().toUpperCase(Locale.ROOT);
    }

    private static String unknown(String id) {
        return id + ": no such message in the queue";
    }
}
