package org.carrier.admin.internal.overview;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ages of queued mail as administrators write and read them, the same in the console and the shell: {@code 90s},
 * {@code 30m}, {@code 4h}, {@code 2d}; a bare number is minutes.
 */
public final class Ages {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})\\s*([smhd]?)");

    private Ages() {
    }

    /** @throws IllegalArgumentException saying what an age looks like */
    public static Duration parse(String text) {
        Matcher m = AGE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not an age: " + text + " (e.g. 90s, 30m, 4h, 2d)");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    /** A short age for listings: {@code 42s}, {@code 5m}, {@code 3h 20m}, {@code 2d 4h}. */
    public static String describe(Duration age) {
        long s = Math.max(0, age.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }
}
