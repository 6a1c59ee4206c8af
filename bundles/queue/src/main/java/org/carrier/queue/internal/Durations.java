package org.carrier.queue.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.config.ConfigProblem;

/** Parses the durations of the queue settings: {@code 200ms}, {@code 30s}, {@code 5m}, {@code 4h}, {@code 5d}. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** @param key the setting's name, for the error message */
    static Duration parse(String key, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new ConfigProblem(key, text.strip(), "not a duration (like 200ms, 30s, 5m, 4h, 5d)");
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

    static List<Duration> parseList(String key, String text) {
        List<Duration> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                list.add(parse(key, part));
            }
        }
        if (list.isEmpty()) {
            throw new ConfigProblem(key, text, "at least one duration is needed");
        }
        return list;
    }
}
