package org.carrier.admin.internal.overview;

/**
 * One setting of one configuration: its value in force and its default ({@code null} where no metatype definition
 * names one: a key the component does not declare, or a PID without a definition).
 *
 * @param set whether ConfigAdmin holds the key (false: the component runs on the default)
 * @param secret whether the value is a password or another secret, shown masked
 */
public record Setting(String pid, String key, String value, String defaultValue, boolean set, boolean secret) {
    /** What a masked secret shows instead of its value. */
    public static final String MASK = "********";

    /** Set to something other than its default, as {@code postconf -n} lists it. */
    public boolean differs() {
        return set && !value.equals(defaultValue);
    }

    /** The value as shown: a secret that is not empty is masked, so a dump can be pasted into a bug report. */
    public String shownValue() {
        return masked(value);
    }

    public String shownDefault() {
        return defaultValue == null ? "" : masked(defaultValue);
    }

    private String masked(String text) {
        return secret && !text.isEmpty() ? MASK : text;
    }
}
