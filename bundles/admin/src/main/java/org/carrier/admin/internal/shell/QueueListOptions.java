package org.carrier.admin.internal.shell;

import java.time.Duration;
import java.util.Locale;

import org.carrier.admin.internal.overview.Ages;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;

/**
 * The options of {@code carrier:queue} (and {@code bin/mailq}), turned into a {@link QueueFilter}:
 * {@code --state pending|deferred|delivered|failed}, {@code --held}, {@code --active} (not held), {@code --sender TEXT},
 * {@code --recipient TEXT}, {@code --domain DOMAIN}, {@code --older AGE}, {@code --newer AGE}, {@code --limit N}.
 */
final class QueueListOptions {
    static final String USAGE = "usage: carrier:queue [--summary] [--state pending|deferred|delivered|failed] [--held|--active]"
            + " [--sender TEXT] [--recipient TEXT] [--domain DOMAIN] [--older AGE] [--newer AGE] [--limit N]"
            + "  (AGE: 90s, 30m, 4h, 2d)";

    private QueueListOptions() {
    }

    static QueueFilter parse(String... args) {
        QueueFilter filter = QueueFilter.any();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--held" -> filter = filter.withHeld(true);
                case "--active" -> filter = filter.withHeld(false);
                case "--state" -> filter = filter.withState(state(value(args, ++i, option)));
                case "--sender" -> filter = filter.withSender(value(args, ++i, option));
                case "--recipient" -> filter = filter.withRecipient(value(args, ++i, option));
                case "--domain" -> filter = filter.withDomain(value(args, ++i, option));
                case "--older" -> filter = filter.withMinAge(age(value(args, ++i, option)));
                case "--newer" -> filter = filter.withMaxAge(age(value(args, ++i, option)));
                case "--limit" -> filter = filter.withLimit(limit(value(args, ++i, option)));
                default -> throw new CommandFailure("unknown option " + option + "\n" + USAGE);
            }
        }
        return filter;
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new CommandFailure(option + " needs a value\n" + USAGE);
        }
        return args[index];
    }

    private static DeliveryState state(String name) {
        try {
            return DeliveryState.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("no such state: " + name + " (pending, deferred, delivered or failed)");
        }
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 0) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandFailure("--limit takes a number of messages (0: all), not " + text);
    }

    private static Duration age(String text) {
        try {
            return Ages.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}
