package org.carrier.smtp.server.internal.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a listener is for; decides whether AUTH is required and whether TLS starts at connect. */
public enum ListenerRole {
    /** Port 25: mail from other servers for our domains, relaying for trusted or authenticated clients. */
    MX,
    /** Port 587, message submission (RFC 6409): AUTH before MAIL, after STARTTLS unless the listener says otherwise. */
    SUBMISSION,
    /** Port 465, submission over implicit TLS (RFC 8314 §3.3): TLS from the first byte, AUTH before MAIL. */
    SMTPS;

    /** The value as written in configuration: {@code mx}, {@code submission}, {@code smtps}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the allowed values */
    public static ListenerRole parse(String value) {
        String wanted = value == null ? "" : value.strip();
        return Arrays.stream(values())
                .filter(role -> role.configValue().equalsIgnoreCase(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("role must be one of "
                        + Arrays.stream(values()).map(ListenerRole::configValue).collect(Collectors.joining(", ")) + ", not '" + wanted + "'"));
    }

    /** RFC 6409 §4.3 and RFC 8314: submission ports accept mail only from authenticated users. */
    public boolean requiresAuth() {
        return this != MX;
    }

    /** RFC 8314 §3.3: the TLS handshake starts at connect, before the greeting. */
    public boolean implicitTls() {
        return this == SMTPS;
    }
}
