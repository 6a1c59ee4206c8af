package org.carrier.api.message;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One envelope recipient (RFC 5321 §4.1.1.3) with its ESMTP RCPT parameters,
 * such as {@code NOTIFY} and {@code ORCPT} (RFC 3461 §4). Parameter names are upper case.
 *
 * @param address    the forward-path
 * @param parameters the RCPT TO parameters; values are {@code null}-free, empty for a keyword without value
 */
public record Recipient(MailAddress address, Map<String, String> parameters) {
    /** What a sender hears about when it gave no NOTIFY (RFC 3461 §4.1: failures, and delays at the MTA's choice). */
    private static final Set<String> DEFAULT_NOTIFY = Set.of("FAILURE", "DELAY");

    public Recipient {
        Objects.requireNonNull(address, "address");
        parameters = Map.copyOf(parameters);
    }

    /** A recipient without ESMTP parameters. */
    public static Recipient of(MailAddress address) {
        return new Recipient(address, Map.of());
    }

    /**
     * The conditions the sender asked to be notified of (RFC 3461 §4.1), upper case: some of SUCCESS, FAILURE,
     * DELAY; empty for NEVER; FAILURE and DELAY when the recipient has no NOTIFY parameter.
     */
    public Set<String> notifyConditions() {
        String value = parameters.get("NOTIFY");
        if (value == null || value.isBlank()) {
            return DEFAULT_NOTIFY;
        }
        Set<String> set = Set.of(value.toUpperCase(Locale.ROOT).replace(" ", "").split(","));
        return set.contains("NEVER") ? Set.of() : set;
    }

    @Override
    public String toString() {
        return "<" + address + ">";
    }
}
