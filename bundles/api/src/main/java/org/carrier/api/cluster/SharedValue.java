package org.carrier.api.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * A shared value with its remaining time to live.
 *
 * @param value the text stored
 * @param ttl   how long it has left; {@code null} if it never expires
 */
public record SharedValue(String value, Duration ttl) {
    public SharedValue {
        Objects.requireNonNull(value, "value");
    }
}
