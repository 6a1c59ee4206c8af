package org.carrier.api.message;

import java.util.Locale;
import java.util.Objects;

/**
 * A mailbox address as used in the SMTP envelope (RFC 5321 §4.1.2): a local part and a domain.
 * <p>
 * The domain is kept in lower case because domain names compare case-insensitively
 * (RFC 5321 §2.4); the local part is kept exactly as given, because only the receiving
 * host may interpret it. The null reverse-path {@code <>} (RFC 5321 §4.5.5) is the
 * single instance returned by {@link #nullSender()}.
 */
public final class MailAddress {
    private static final MailAddress NULL_SENDER = new MailAddress("", "");

    private final String localPart;
    private final String domain;

    private MailAddress(String localPart, String domain) {
        this.localPart = localPart;
        this.domain = domain;
    }

    /**
     * An address from its two parts.
     *
     * @throws IllegalArgumentException if either part is empty
     */
    public static MailAddress of(String localPart, String domain) {
        if (localPart == null || localPart.isEmpty()) {
            throw new IllegalArgumentException("empty local part");
        }
        if (domain == null || domain.isEmpty()) {
            throw new IllegalArgumentException("empty domain");
        }
        return new MailAddress(localPart, domain.toLowerCase(Locale.ROOT));
    }

    /**
     * Splits {@code local@domain} at its last {@code @} (a quoted local part may itself contain one,
     * RFC 5321 §4.1.2). Syntax beyond that is the SMTP server's job.
     *
     * @throws IllegalArgumentException if there is no {@code @} or a part is empty
     */
    public static MailAddress parse(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            throw new IllegalArgumentException("not an address of the form local@domain: " + address);
        }
        return of(address.substring(0, at), address.substring(at + 1));
    }

    /** The null reverse-path {@code <>}, used by bounces so they never bounce in turn (RFC 5321 §4.5.5). */
    public static MailAddress nullSender() {
        return NULL_SENDER;
    }

    /** Whether this is the null reverse-path. */
    public boolean isNullSender() {
        return this == NULL_SENDER;
    }

    /** Whether the address is plain ASCII; one that is not needs SMTPUTF8 (RFC 6531 §3.4). */
    public boolean isAscii() {
        return localPart.chars().allMatch(c -> c < 0x80) && domain.chars().allMatch(c -> c < 0x80);
    }

    public String localPart() {
        return localPart;
    }

    /** The domain, in lower case; empty for the null sender. */
    public String domain() {
        return domain;
    }

    /** The address as written between angle brackets in SMTP: {@code local@domain}, or empty for the null sender. */
    @Override
    public String toString() {
        return isNullSender() ? "" : localPart + "@" + domain;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MailAddress other && localPart.equals(other.localPart) && domain.equals(other.domain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(localPart, domain);
    }
}
