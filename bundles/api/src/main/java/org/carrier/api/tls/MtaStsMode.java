package org.carrier.api.tls;

import java.util.Locale;
import java.util.Optional;

/** The {@code mode} of an MTA-STS policy (RFC 8461 §3.2, §5). */
public enum MtaStsMode {
    /** Deliver only to a matching MX host over TLS with a valid certificate; otherwise defer. */
    ENFORCE,
    /** Deliver as without a policy, but report failures (TLS-RPT, RFC 8460). */
    TESTING,
    /** The domain withdraws its policy (RFC 8461 §8.3): treat as having none. */
    NONE;

    /** The name as a policy file writes it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode a policy file names; empty for anything else (the policy is then invalid, RFC 8461 §3.2). */
    public static Optional<MtaStsMode> parse(String text) {
        for (MtaStsMode mode : values()) {
            if (mode.wireName().equals(text)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
