package org.carrier.queue.internal;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;

/** Parses the durations of the queue settings: {@code 200ms}, {@code 30s}, {@code 5m}, {@code 4h}, {@code 5d}. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** @param key the setting's name, for the error message */
    static Duration parse(String key, String text) {
        return ConfigProblem.check(key, text.strip(), () -> duration(text));
    }

    /** A list setting of durations, split by the one list rule of {@link ConfigLists}; at least one is needed. */
    static List<Duration> parseList(String key, String... values) {
        List<String> texts = ConfigLists.parse(key, values, text -> {
            duration(text);
            return text;
        });
        if (texts.isEmpty()) {
            throw new ConfigProblem(key, String.join(",", values == null ? new String[0] : values).strip(),
                    "at least one duration is needed");
        }
        return texts.stream().map(Durations::duration).toList();
    }

    /** @throws IllegalArgumentException saying what is expected */
    private static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (like 200ms, 30s, 5m, 4h, 5d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
