package org.carrier.api.message;

import java.util.Map;
import java.util.Objects;

/**
 * One envelope recipient (RFC 5321 §4.1.1.3) with its ESMTP RCPT parameters,
 * such as {@code NOTIFY} and {@code ORCPT} (RFC 3461 §4). Parameter names are upper case.
 *
 * @param address    the forward-path
 * @param parameters the RCPT TO parameters; values are {@code null}-free, empty for a keyword without value
 */
public record Recipient(MailAddress address, Map<String, String> parameters) {
    public Recipient {
        Objects.requireNonNull(address, "address");
        parameters = Map.copyOf(parameters);
    }

    /** A recipient without ESMTP parameters. */
    public static Recipient of(MailAddress address) {
        return new Recipient(address, Map.of());
    }

    @Override
    public String toString() {
        return "<" + address + ">";
    }
}
