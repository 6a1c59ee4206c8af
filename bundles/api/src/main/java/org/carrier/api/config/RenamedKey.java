package org.carrier.api.config;

import java.util.Objects;

/**
 * A setting whose key was renamed, perhaps with a new unit: a configuration that still uses {@code oldKey} keeps
 * working, its value read as {@code newKey} (multiplied by {@code factor}: 1000 for seconds that became
 * milliseconds), and {@link ConfigGuard} logs one deprecation line naming the file, the old key and the new one.
 *
 * @param factor how many of the new key's units one of the old key's is (1: the same unit)
 */
public record RenamedKey(String oldKey, String newKey, long factor) {
    public RenamedKey {
        Objects.requireNonNull(oldKey, "oldKey");
        Objects.requireNonNull(newKey, "newKey");
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be positive: " + factor);
        }
    }

    /** A key renamed, its unit kept. */
    public static RenamedKey of(String oldKey, String newKey) {
        return new RenamedKey(oldKey, newKey, 1);
    }

    /** A key in seconds renamed to one in milliseconds. */
    public static RenamedKey secondsToMillis(String oldKey, String newKey) {
        return new RenamedKey(oldKey, newKey, 1000);
    }

    /**
     * The old key's value as the new key's, as text (SCR and {@link TypedConfig} convert text to the attribute's type).
     *
     * @throws ConfigProblem naming the old key when a value to be scaled is not a whole number
     */
    Object newValue(Object oldValue) {
        if (factor == 1) {
            return oldValue;
        }
        try {
            return String.valueOf(Math.multiplyExact(Long.parseLong(String.valueOf(oldValue).strip()), factor));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigProblem(oldKey, oldValue, "not a whole number");
        }
    }
}
