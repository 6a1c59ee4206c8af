package org.carrier.api.message;

import java.util.Objects;

/**
 * One message header field (RFC 5322 §2.2): a name and its unfolded value.
 *
 * @param name  the field name, e.g. {@code Received-SPF}
 * @param value the field body without the leading space; may contain folded lines (CRLF followed by white space)
 */
public record HeaderField(String name, String value) {
    public HeaderField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
            throw new IllegalArgumentException("invalid header field name: " + name);
        }
    }

    /** The field as it appears in a message, {@code Name: value}, without the final CRLF. */
    @Override
    public String toString() {
        return name + ": " + value;
    }
}
