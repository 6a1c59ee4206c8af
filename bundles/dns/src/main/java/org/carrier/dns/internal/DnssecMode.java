package org.carrier.dns.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the {@code dnssec} setting decides whether an answer is secure. */
enum DnssecMode {
    /**
     * dnsjava's own validator checks the signatures from the trust anchor down (RFC 4035 §5): whatever resolver is
     * configured, an answer is secure only if Carrier itself proved it so.
     */
    VALIDATE("validate"),
    /**
     * The configured resolver validates and Carrier believes its AD bit (RFC 4035 §3.2.3, RFC 6840 §5.7), as
     * Postfix's {@code smtp_dns_support_level = dnssec} does. Only sound when the path to that resolver cannot be
     * tampered with: a validating resolver on the same host (unbound on 127.0.0.1).
     */
    TRUST_AD("trust-ad"),
    /** No DNSSEC: every answer is insecure, so DANE never applies. */
    OFF("off");

    private final String setting;

    DnssecMode(String setting) {
        this.setting = setting;
    }

    /** The mode a {@code dnssec} value names. */
    static DnssecMode parse(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.setting.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("expected one of "
                        + Arrays.stream(values()).map(DnssecMode::toString).collect(Collectors.joining(", "))));
    }

    @Override
    public String toString() {
        return setting;
    }
}
