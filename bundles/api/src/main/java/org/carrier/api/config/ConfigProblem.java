package org.carrier.api.config;

import java.util.function.Supplier;

/**
 * A configuration value that cannot be used: its key, the value as written and what is wrong with it (what is
 * expected), for the one log line an administrator needs to fix it.
 */
public final class ConfigProblem extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String value;
    private final String reason;

    /**
     * @param value  the value as written (or the element of a list that is wrong); {@code null} when not known
     * @param reason what is wrong, phrased so that it says what is expected ("not a whole number")
     */
    public ConfigProblem(String key, Object value, String reason) {
        super(message(key, value, reason));
        this.key = key;
        this.value = text(value);
        this.reason = reason;
    }

    private static String message(String key, Object value, String reason) {
        return value == null ? key + ": " + reason : key + " = \"" + text(value) + "\": " + reason;
    }

    /** A list setting (String[], as DS hands it over) as it was written: its elements joined by commas. */
    private static String text(Object value) {
        if (value instanceof Object[] list) {
            return String.join(", ", java.util.Arrays.stream(list).map(String::valueOf).toList());
        }
        return value == null ? null : String.valueOf(value);
    }

    public String key() {
        return key;
    }

    /** The value as written, or {@code null} when not known. */
    public String value() {
        return value;
    }

    public String reason() {
        return reason;
    }

    /**
     * Parses one setting with a parser that throws {@link IllegalArgumentException} (whose message says what is
     * wrong), so that its failure names the key and value.
     */
    public static <T> T check(String key, Object value, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (ConfigProblem e) {
            throw e;
        } catch (IllegalArgumentException e) {
            ConfigProblem problem = new ConfigProblem(key, value, e.getMessage());
            problem.initCause(e);
            throw problem;
        }
    }

    /** {@code value}, or a problem when it is below {@code min}. */
    public static long atLeast(String key, long value, long min) {
        if (value < min) {
            throw new ConfigProblem(key, value, min == 1 ? "must be positive" : "must be at least " + min);
        }
        return value;
    }

    /** {@code value}, or a problem when it is outside {@code min} to {@code max}. */
    public static long between(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigProblem(key, value, "must be from " + min + " to " + max);
        }
        return value;
    }

    /** {@code value}, or a problem when it is outside {@code min} to {@code max}. */
    public static int between(String key, int value, int min, int max) {
        return (int) between(key, (long) value, min, max);
    }

    /** {@code value}, or a problem when it is below {@code min}. */
    public static int atLeast(String key, int value, int min) {
        return (int) atLeast(key, (long) value, min);
    }
}
