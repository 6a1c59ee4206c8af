package org.carrier.admin.internal.shell;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Ages as administrators write them: {@code 90s}, {@code 30m}, {@code 4h}, {@code 2d} (a bare number is minutes). */
final class Durations {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd]?)");

    private Durations() {
    }

    static Duration parse(String text) {
        Matcher m = AGE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandFailure("not an age: " + text + " (e.g. 90s, 30m, 4h, 2d)");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    /** Short form for listings: {@code 45s}, {@code 12m}, {@code 3h05m}, {@code 2d04h}. */
    static String format(Duration duration) {
        long seconds = Math.max(0, duration.getSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
    }
}
